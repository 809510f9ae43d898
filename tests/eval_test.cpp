// Evaluation metrics on hand-made relevance vectors and curves with known answers, curves on
// a tiny model against direct forward passes, and the evaluator and its report files.
#include <fstream>
#include <sstream>

#include "atman/evaluator.hpp"
#include "atman/rank_metrics.hpp"
#include "support/test_support.hpp"

namespace atman::test {
namespace {

using ::testing::HasSubstr;

TEST(GroundTruthTest, AveragePrecisionRecallAndPointingGame) {
  // Ranking 0, 2, 3, 1; gold units 1 and 2 sit at ranks 4 and 2: AP = (1/2 + 2/4) / 2.
  const GoldScores s = gold_scores({0.9, 0.1, 0.5, 0.3}, {false, true, true, false});
  EXPECT_DOUBLE_EQ(s.average_precision, 0.5);
  EXPECT_DOUBLE_EQ(s.recall_at_gold, 0.5);  // top 2 = {0, 2}: one of two gold units
  EXPECT_DOUBLE_EQ(s.pointing_game, 0.0);
  const GoldScores perfect = gold_scores({0.1, 0.9, 0.5, 0.3}, {false, true, true, false});
  EXPECT_DOUBLE_EQ(perfect.average_precision, 1.0);
  EXPECT_DOUBLE_EQ(perfect.recall_at_gold, 1.0);
  EXPECT_DOUBLE_EQ(perfect.pointing_game, 1.0);
  EXPECT_THAT(error_message([] { gold_scores({1, 2}, {false, false}); }), HasSubstr("no unit overlaps a gold span"));
}

TEST(GroundTruthTest, GoldSpansAndUnitOverlap) {
  const auto spans = parse_gold_spans(nlohmann::json::parse(R"([[4, 7], {"start": 10, "length": 2}])"), 20);
  ASSERT_EQ(spans.size(), 2u);
  EXPECT_EQ(spans[1].end, 12);
  std::vector<Unit> units(4);
  units[0].start = 0, units[0].length = 4;   // [0, 4): touches 4 only at its end, no overlap
  units[1].start = 4, units[1].length = 2;   // inside [4, 7)
  units[2].start = 6, units[2].length = 4;   // [6, 10) overlaps [4, 7)
  units[3].start = 12, units[3].length = 3;  // after both
  EXPECT_EQ(gold_units(units, spans), (std::vector<bool>{false, true, true, false}));
  EXPECT_THAT(error_message([] { parse_gold_spans(nlohmann::json::parse("[[5, 30]]"), 20); }),
              HasSubstr("outside the prompt's 20 characters"));
  EXPECT_THAT(error_message([] { parse_gold_spans(nlohmann::json::parse("{}"), 20); }), HasSubstr("must be an array"));
  EXPECT_THAT(error_message([] { parse_gold_spans(nlohmann::json::parse("[\"x\"]"), 20); }),
              HasSubstr("is not [start, end]"));
}

TEST(FaithfulnessScoresTest, KnownCurves) {
  FaithfulnessCurves c;
  c.fractions = {0, 0.5, 1};
  c.deletion = {0, -1, -2};     // p/p_full: 1, e^-1, e^-2
  c.insertion = {-2, -0.5, 0};  // p/p_full: e^-2, e^-0.5, 1
  const FaithfulnessScores s = faithfulness_scores(c);
  // Trapezoids of width 0.5: 0.25 · (y0 + 2·y1 + y2).
  EXPECT_DOUBLE_EQ(s.deletion_auc, 0.25 * (1 + 2 * std::exp(-1.0) + std::exp(-2.0)));
  EXPECT_DOUBLE_EQ(s.insertion_auc, 0.25 * (std::exp(-2.0) + 2 * std::exp(-0.5) + 1));
  EXPECT_DOUBLE_EQ(s.comprehensiveness, 1.0);  // 0 − (−1) at the one interior step
  EXPECT_DOUBLE_EQ(s.sufficiency, 0.5);        // 0 − (−0.5)
  c.deletion = {-1, -1, -1};
  c.insertion = {-1, -1, -1};
  EXPECT_DOUBLE_EQ(faithfulness_scores(c).deletion_auc, 1.0) << "removal that changes nothing";
}

TEST(EvalStatisticsTest, MeanAndStudentInterval) {
  const MetricSummary s = summarize({1, 2, std::nan(""), 3, 4});
  EXPECT_EQ(s.n, 4);
  EXPECT_DOUBLE_EQ(s.mean, 2.5);
  EXPECT_NEAR(s.ci95, 3.182 * std::sqrt(5.0 / 3.0) / 2.0, 1e-9);  // t(3) · sd / sqrt(n)
  EXPECT_TRUE(std::isnan(summarize({7}).ci95));
  EXPECT_EQ(summarize({}).n, 0);
}

class FaithfulnessCurvesTest : public SeededTest {
 protected:
  TempDir tmp;
  Model model = load_model(write_tiny_model(tmp.path()));
  ExplainInput input = make_explain_input(model, "The cat sat on the mat. The dog ran.", " The cat ran");
  std::vector<Unit> units = build_units(input, {});

  // Mean log p(target_t) of ids (1, T') whose prompt part has P' tokens, optionally edited.
  double mean_logprob(const torch::Tensor& ids, int64_t prompt_tokens, const AttentionEdit* edit = nullptr) {
    torch::NoGradGuard no_grad;
    ForwardOptions options;
    options.edit = edit;
    const auto logp = torch::log_softmax(model.transformer.forward(ids, options)[0], -1);
    double sum = 0;
    for (int64_t t = 0; t < input.target_length(); ++t) {
      sum += logp[prompt_tokens - 1 + t][input.target_tokens[static_cast<size_t>(t)].id].item<double>();
    }
    return sum / static_cast<double>(input.target_length());
  }
};

TEST_F(FaithfulnessCurvesTest, SuppressionCurvesMatchDirectEditedPasses) {
  const int64_t U = static_cast<int64_t>(units.size()), T = input.input_length(), P = input.prompt_length();
  std::vector<double> totals(static_cast<size_t>(U));
  for (int64_t u = 0; u < U; ++u) totals[static_cast<size_t>(u)] = static_cast<double>((u * 7) % U);  // a shuffle
  const auto c = faithfulness_curves(model, input, units, totals, RemovalMode::kSuppress, 10);
  ASSERT_EQ(c.deletion.size(), 11u);
  const auto ids = input.input_ids().unsqueeze(0);
  EXPECT_NEAR(c.deletion[0], mean_logprob(ids, P), 1e-5) << "nothing removed";
  EXPECT_NEAR(c.insertion[10], mean_logprob(ids, P), 1e-5) << "everything kept";
  EXPECT_NEAR(c.deletion[10], c.insertion[0], 1e-5) << "both remove every unit";
  // Deletion at 30%: the round(0.3·U) highest totals get factor 0.
  const auto order = rank_order(totals);
  const auto top = std::lround(0.3 * static_cast<double>(U));
  auto factors = torch::ones({1, T});
  for (int64_t r = 0; r < top; ++r) {
    for (int64_t p : units[static_cast<size_t>(order[static_cast<size_t>(r)])].token_indices) factors[0][p] = 0.0;
  }
  AttentionEdit edit{factors, {}};
  EXPECT_NEAR(c.deletion[3], mean_logprob(ids, P, &edit), 1e-5);
  EXPECT_GT(std::abs(c.deletion[3] - c.deletion[0]), 1e-4) << "removing units should move the target";
}

TEST_F(FaithfulnessCurvesTest, TopKDropRemovesTheMostRelevantUnits) {
  const int64_t U = static_cast<int64_t>(units.size()), T = input.input_length(), P = input.prompt_length();
  ASSERT_GE(U, 5);
  std::vector<double> totals(static_cast<size_t>(U));
  for (int64_t u = 0; u < U; ++u) totals[static_cast<size_t>(u)] = static_cast<double>((u * 7) % U);
  const auto c = faithfulness_curves(model, input, units, totals, RemovalMode::kSuppress, 10);
  ASSERT_EQ(c.top_k_removed.size(), kTopK.size());
  const auto order = rank_order(totals);
  const auto ids = input.input_ids().unsqueeze(0);
  for (size_t i = 0; i < kTopK.size(); ++i) {
    auto factors = torch::ones({1, T});
    for (int64_t r = 0; r < kTopK[i]; ++r) {
      for (int64_t p : units[static_cast<size_t>(order[static_cast<size_t>(r)])].token_indices) factors[0][p] = 0.0;
    }
    AttentionEdit edit{factors, {}};
    EXPECT_NEAR(c.top_k_removed[i], mean_logprob(ids, P, &edit), 1e-5) << "k = " << kTopK[i];
  }
  const auto scores = faithfulness_scores(c);
  ASSERT_EQ(scores.top_k_drop.size(), kTopK.size());
  EXPECT_DOUBLE_EQ(scores.top_k_drop[1], c.deletion[0] - c.top_k_removed[1]);
  // Fewer units than k: all of them go, as at the end of the deletion curve.
  const std::vector<Unit> two(units.begin(), units.begin() + 2);
  const auto few = faithfulness_curves(model, input, two, {1.0, 0.5}, RemovalMode::kSuppress, 2);
  EXPECT_NEAR(few.top_k_removed[2], few.deletion[2], 1e-6);
}

TEST(GroundTruthTest, GoldDocumentsMarkTheirUnits) {
  std::vector<Unit> units(4);
  units[0].document = 0, units[1].document = 1, units[2].document = 1, units[3].document = -1;
  EXPECT_EQ(gold_document_units(units, parse_gold_documents(nlohmann::json(1), 3)),
            (std::vector<bool>{false, true, true, false}));
  EXPECT_EQ(parse_gold_documents(nlohmann::json::parse("[0, 2]"), 3), (std::vector<int64_t>{0, 2}));
  EXPECT_THAT(error_message([] { parse_gold_documents(nlohmann::json(3), 3); }), HasSubstr("not a document index in [0, 3)"));
  EXPECT_THAT(error_message([] { parse_gold_documents(nlohmann::json::parse("[]"), 3); }), HasSubstr("names no document"));
}

TEST_F(FaithfulnessCurvesTest, RetrievalRecordsScoreDocumentsAgainstTheirGold) {
  std::istringstream in(
      "{\"id\":\"r\",\"documents\":[\"The dog ran.\",\"The cat sat on the mat.\"],\"prompt\":\"The\",\"target\":\" cat\",\"gold\":1}\n"
      "{\"id\":\"bad\",\"documents\":[\"The dog ran.\"],\"prompt\":\"The\",\"target\":\" cat\",\"gold\":4}\n"
      "{\"id\":\"nodocs\",\"documents\":\"The dog ran.\",\"prompt\":\"The\",\"target\":\" cat\"}\n");
  EvalOptions options;
  options.methods = {"atman"};
  options.settings.granularity = "document";
  const EvalReport report = evaluate(model, in, options);
  ASSERT_EQ(report.methods[0].records.size(), 1u);
  const RecordEvaluation& r = report.methods[0].records[0];
  EXPECT_EQ(r.units, 2);
  ASSERT_TRUE(r.gold.has_value());
  EXPECT_EQ(r.faithfulness.top_k_drop.size(), kTopK.size());
  ASSERT_EQ(report.failed.size(), 2u);
  EXPECT_THAT(report.failed[0].message, HasSubstr("not a document index in [0, 1)"));
  EXPECT_THAT(report.failed[1].message, HasSubstr("'documents' must be an array of strings"));
  EXPECT_EQ(metric_values(report.methods[0], "top1_drop").size(), 1u);
}

TEST_F(FaithfulnessCurvesTest, DeletionModeDropsTokens) {
  std::vector<double> totals(units.size(), 0.0);
  const auto c = faithfulness_curves(model, input, units, totals, RemovalMode::kDelete, 10);
  const auto ids = input.input_ids();
  const int64_t P = input.prompt_length();
  EXPECT_NEAR(c.deletion[0], mean_logprob(ids.unsqueeze(0), P), 1e-5);
  // Every unit deleted: BOS, then the target.
  const auto bos_and_target = torch::cat({ids.narrow(0, 0, 1), ids.narrow(0, P, ids.size(0) - P)}).unsqueeze(0);
  EXPECT_NEAR(c.deletion[10], mean_logprob(bos_and_target, 1), 1e-5);
}

TEST_F(FaithfulnessCurvesTest, EvaluatorScoresEveryMethodAndListsFailures) {
  std::istringstream in(
      "{\"id\":\"g\",\"prompt\":\"The cat sat on the mat.\",\"target\":\" The cat\",\"gold\":[[4,7]]}\n"
      "{\"id\":\"bad\",\"prompt\":\"The cat.\"}\n"
      "{\"id\":\"far\",\"prompt\":\"The cat.\",\"target\":\" It\",\"gold\":[[40,50]]}\n"
      "{\"prompt\":\"The dog ran.\",\"target\":\" The dog\"}\n");
  EvalOptions options;
  options.methods = {"atman", "ixg"};
  options.settings.steps = 2;
  const EvalReport report = evaluate(model, in, options);
  ASSERT_EQ(report.methods.size(), 2u);
  EXPECT_EQ(report.methods[0].records.size(), 2u);  // "g" and line 4
  ASSERT_TRUE(report.methods[0].records[0].gold.has_value());
  EXPECT_FALSE(report.methods[0].records[1].gold.has_value());
  EXPECT_GT(report.methods[1].records[0].peak_rss_bytes, 0);
  ASSERT_EQ(report.failed.size(), 3u);  // "bad" once, "far" once per method
  EXPECT_EQ(report.failed[0].code, "missing_field");
  EXPECT_EQ(report.failed[1].code, "invalid_input");
  EXPECT_THAT(report.failed[1].message, HasSubstr("outside the prompt"));

  TempDir out;
  write_eval_report(report, out.path() / "report");
  std::ifstream json(out.path() / "report" / "summary.json");
  const auto summary = nlohmann::json::parse(json);
  EXPECT_EQ(summary["schema"], "atman.eval/v1");
  EXPECT_EQ(summary["removal"]["mode"], "suppress");
  EXPECT_EQ(summary["methods"][1]["method"], "ixg");
  EXPECT_EQ(summary["methods"][0]["metrics"]["average_precision"]["n"], 1);
  EXPECT_EQ(summary["methods"][0]["mean_curves"]["deletion"].size(), 11u);
  std::stringstream md, html;
  md << std::ifstream(out.path() / "report" / "summary.md").rdbuf();
  html << std::ifstream(out.path() / "report" / "index.html").rdbuf();
  EXPECT_THAT(md.str(), HasSubstr("| atman | 2 |"));
  EXPECT_THAT(md.str(), HasSubstr("## Failed records"));
  EXPECT_THAT(html.str(), HasSubstr("<polyline"));
  EXPECT_EQ(html.str().find("http"), html.str().find("http://www.w3.org/2000/svg")) << "no network references";
}

}  // namespace
}  // namespace atman::test
