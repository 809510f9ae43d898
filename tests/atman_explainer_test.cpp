// The batched, prefix-reusing AtMan explainer against the definition, computed row by row in
// the plainest way on a tiny model.
#include "atman/atman_explainer.hpp"
#include "atman/explain.hpp"

#include "support/test_support.hpp"

namespace atman::test {
namespace {

class AtmanExplainerTest : public SeededTest {
 protected:
  TempDir tmp;
  Model model = load_model(write_tiny_model(tmp.path()));
  ExplainInput input = make_explain_input(model, "The cat sat on the mat. The dog ran.", " The cat ran");

  // DESIGN.md steps 1–6 for one unit, with nothing shared between rows: full sequence, every
  // logit, the edit built from the definition.
  std::vector<double> definition_row(const Unit& unit, const SuppressionOptions& s,
                                     const std::vector<bool>& layers = {}) {
    const auto ids = input.input_ids().unsqueeze(0);
    const int64_t P = input.prompt_length(), N = input.target_length(), T = input.input_length();
    auto ce = [&](const torch::Tensor& logits) {
      std::vector<double> out;
      auto logp = torch::log_softmax(logits[0], -1);
      for (int64_t t = 0; t < N; ++t) {
        out.push_back(-logp[P - 1 + t][input.target_tokens[t].id].item<double>());
      }
      return out;
    };
    const auto base = ce(model.transformer.forward(ids));
    auto e = model.transformer.embed(ids)[0];
    std::vector<double> factor(T, 1.0);
    for (int64_t j : unit.token_indices) {
      for (int64_t k = 0; k < T; ++k) {
        double f = 1.0;
        if (k == j) {
          f = s.factor;
        } else if (s.conceptual_threshold) {
          const double cos = torch::cosine_similarity(e[j], e[k], 0).item<double>();
          if (cos >= *s.conceptual_threshold) {
            f = s.modify_factor ? (1 - s.factor) * (1 - cos) + s.factor : s.factor;
          }
        }
        factor[k] = s.factor <= 1 ? std::min(factor[k], f) : std::max(factor[k], f);  // farthest from 1
      }
    }
    AttentionEdit edit{torch::tensor(factor, torch::kFloat32).unsqueeze(0), layers};
    ForwardOptions options;
    options.edit = &edit;
    const auto perturbed = ce(model.transformer.forward(ids, options));
    std::vector<double> r(N);
    for (int64_t t = 0; t < N; ++t) r[t] = perturbed[t] - base[t];
    return r;
  }

  void expect_matches_definition(const ExplainOptions& options, const AtmanOptions& atman,
                                 const std::vector<bool>& layers = {}) {
    const Explanation e = explain_atman(model, input, options, atman);
    ASSERT_EQ(e.relevance.size(), static_cast<size_t>(input.target_length()));
    double largest = 0.0;
    for (const Unit& u : e.units) {
      const auto expected = definition_row(u, atman.suppression, layers);
      for (size_t t = 0; t < expected.size(); ++t) {
        EXPECT_NEAR(e.relevance[t][u.index], expected[t], 1e-5) << "unit " << u.index << " target " << t;
        largest = std::max(largest, std::abs(expected[t]));
      }
    }
    EXPECT_GT(largest, 1e-3) << "the edit should move some target token";
  }
};

TEST_F(AtmanExplainerTest, TokenUnitsMatchTheDefinition) {
  AtmanOptions atman;
  atman.suppression.conceptual_threshold = std::nullopt;
  atman.batch_size = 3;  // several batches with different shared prefixes
  expect_matches_definition({}, atman);
}

TEST_F(AtmanExplainerTest, ConceptualCoSuppressionMatchesTheDefinition) {
  AtmanOptions atman;
  atman.suppression.conceptual_threshold = 0.3;  // low enough that neighbours exist here
  const auto rows = suppression_rows(build_units(input, {}), model.transformer.embed(input.input_ids().unsqueeze(0))[0],
                                     atman.suppression);
  EXPECT_GT((rows < 1.0f).sum().item<int64_t>(), static_cast<int64_t>(rows.size(0)))
      << "some row should co-suppress a neighbour";
  atman.batch_size = 4;
  expect_matches_definition({}, atman);
  atman.suppression.modify_factor = false;
  expect_matches_definition({}, atman);
}

TEST_F(AtmanExplainerTest, SimilaritiesInBlocksGiveTheSameRows) {
  // Word units of several tokens, similarities a block of 1, 2 and 3 unit tokens at a time
  // (so a unit spans blocks), suppressing and amplifying: the rows of one block of all.
  UnitOptions words;
  words.granularity = Granularity::kWord;
  const auto units = build_units(input, words);
  const auto embeddings = model.transformer.embed(input.input_ids().unsqueeze(0))[0];
  for (double factor : {0.1, 3.0}) {
    SuppressionOptions s;
    s.conceptual_threshold = 0.3;
    s.factor = factor;
    const auto whole = suppression_rows(units, embeddings, s, 1000);
    EXPECT_GT((whole != 1.0f).sum().item<int64_t>(), (whole.size(0) * 3) / 2) << "neighbours are co-edited";
    for (int64_t block : {1, 2, 3}) EXPECT_TRUE(suppression_rows(units, embeddings, s, block).equal(whole)) << block;
  }
}

TEST_F(AtmanExplainerTest, WordUnitsSuppressAllTheirTokensTogether) {
  ExplainOptions options;
  options.units.granularity = Granularity::kWord;
  AtmanOptions atman;
  atman.suppression.conceptual_threshold = std::nullopt;
  atman.suppression.factor = 0.0;
  expect_matches_definition(options, atman);
}

TEST_F(AtmanExplainerTest, LayerSubsetMatchesTheDefinition) {
  AtmanOptions atman;
  atman.suppression.conceptual_threshold = std::nullopt;
  atman.layers = {1};
  expect_matches_definition({}, atman, {false, true});
}

TEST_F(AtmanExplainerTest, NaiveModeGivesTheSameValuesWithMoreWork) {
  AtmanOptions fast, naive;
  naive.naive = true;
  naive.batch_size = fast.batch_size = 2;
  AtmanStats fast_stats, naive_stats;
  const auto a = explain_atman(model, input, {}, fast, &fast_stats);
  const auto b = explain_atman(model, input, {}, naive, &naive_stats);
  for (size_t t = 0; t < a.relevance.size(); ++t) {
    for (size_t u = 0; u < a.units.size(); ++u) EXPECT_NEAR(a.relevance[t][u], b.relevance[t][u], 1e-5);
  }
  EXPECT_LT(fast_stats.positions_computed, naive_stats.positions_computed);
}

TEST_F(AtmanExplainerTest, TargetUnitsOnlyExplainLaterTargetTokens) {
  ExplainOptions options;
  options.units.explain_target = true;
  AtmanOptions atman;
  atman.suppression.conceptual_threshold = std::nullopt;
  const auto e = explain_atman(model, input, options, atman);
  const int64_t P = input.prompt_length();
  int target_units = 0;
  for (const Unit& u : e.units) {
    if (u.source != "target") continue;
    ++target_units;
    const int64_t j = u.token_indices.front() - P;  // target token index the unit holds
    for (int64_t t = 0; t <= j; ++t) EXPECT_EQ(e.relevance[t][u.index], 0.0) << "causality";
    EXPECT_GT(std::abs(e.relevance[j + 1][u.index]), 0.0);
  }
  EXPECT_EQ(target_units, input.target_length() - 1);  // target[:-1]
}

TEST_F(AtmanExplainerTest, TotalsPostprocessAndNormalize) {
  ExplainOptions plain, squared;
  squared.postprocess = Postprocess::kSquare;
  squared.normalize = true;
  AtmanOptions atman;
  const auto a = explain_atman(model, input, plain, atman);
  const auto b = explain_atman(model, input, squared, atman);
  double peak = 0.0, raw_peak = 0.0;
  std::vector<double> squares(a.units.size(), 0.0);
  for (const auto& row : a.relevance) {
    for (size_t u = 0; u < row.size(); ++u) squares[u] += row[u] * row[u];
  }
  for (double v : squares) raw_peak = std::max(raw_peak, v);
  for (size_t u = 0; u < b.total.size(); ++u) {
    EXPECT_NEAR(b.total[u], squares[u] / raw_peak, 1e-9);
    peak = std::max(peak, std::abs(b.total[u]));
  }
  EXPECT_DOUBLE_EQ(peak, 1.0);
}

// Aleph Alpha's log-additive form, s + log f, is softmax's probabilities times f, renormalised:
// computed here that way, through the attention-probability hook instead of an edit.
TEST_F(AtmanExplainerTest, LogAdditiveSuppressionMatchesReweightedProbabilities) {
  AtmanOptions atman;
  atman.suppression.conceptual_threshold = std::nullopt;
  atman.suppression.mode = SuppressionMode::kLogAdditive;
  for (const double factor : {0.1, 3.0}) {  // suppressing and amplifying
    atman.suppression.factor = factor;
    const Explanation e = explain_atman(model, input, {}, atman);
    const auto ids = input.input_ids().unsqueeze(0);
    const int64_t P = input.prompt_length(), N = input.target_length(), T = input.input_length();
    torch::NoGradGuard no_grad;
    const auto base = torch::log_softmax(model.transformer.forward(ids)[0], -1);  // (T, V)
    double largest = 0.0, worst = 0.0;
    for (const Unit& u : e.units) {
      auto f = torch::ones({T});
      for (int64_t j : u.token_indices) f[j] = factor;
      ForwardOptions options;
      options.on_attention = [&](int64_t, const torch::Tensor& p) {  // (B, H, T, S)
        const auto weighted = p * f;
        return weighted / weighted.sum(-1, true);
      };
      const auto logp = torch::log_softmax(model.transformer.forward(ids, options)[0], -1);
      for (int64_t t = 0; t < N; ++t) {
        const int64_t id = input.target_tokens[t].id;
        const double expected = (base[P - 1 + t][id] - logp[P - 1 + t][id]).item<double>();
        largest = std::max(largest, std::abs(expected));
        worst = std::max(worst, std::abs(expected - e.relevance[t][u.index]));
      }
    }
    EXPECT_GT(largest, 1e-3) << factor;
    EXPECT_LT(worst, 1e-5) << factor;
  }
}

TEST_F(AtmanExplainerTest, FactorsAboveOneAmplifyAsTheDefinitionSays) {
  AtmanOptions atman;
  atman.suppression.factor = 4.0;
  atman.suppression.conceptual_threshold = std::nullopt;
  expect_matches_definition({}, atman);
}

TEST_F(AtmanExplainerTest, ContrastIsExactlyZeroAgainstItselfAndNegatesWhenSwapped) {
  AtmanOptions atman;
  MethodOptions method;
  method.atman.suppression.conceptual_threshold = std::nullopt;
  const ExplainInput foil = make_explain_input(model, "The cat sat on the mat. The dog ran.", " The dog sat");
  const Explanation same = explain_contrast(model, input, input, {}, method);
  for (double v : same.total) EXPECT_EQ(v, 0.0);
  const Explanation forward = explain_contrast(model, input, foil, {}, method);
  const Explanation swapped = explain_contrast(model, foil, input, {}, method);
  ASSERT_EQ(forward.total.size(), swapped.total.size());
  double largest = 0.0;
  for (size_t u = 0; u < forward.total.size(); ++u) {
    EXPECT_EQ(forward.total[u], -swapped.total[u]);
    largest = std::max(largest, std::abs(forward.total[u]));
  }
  EXPECT_GT(largest, 1e-3);
  // Σ target rows − Σ foil rows: the plain explanations' totals subtracted (the shared passes
  // batch rows differently, so only rounding may differ).
  const Explanation target_only = explain(model, input, {}, method), foil_only = explain(model, foil, {}, method);
  for (size_t u = 0; u < forward.total.size(); ++u) {
    EXPECT_NEAR(forward.total[u], target_only.total[u] - foil_only.total[u], 1e-5);
  }
}

// Target and foil share the prompt: each unit's two rows run in the same passes (padded to the
// longer sequence), with the values of two separate explanations and fewer passes.
TEST_F(AtmanExplainerTest, ContrastRunsTargetAndFoilInSharedPasses) {
  AtmanOptions atman;  // conceptual co-suppression on: the rows differ over the continuations
  atman.batch_size = 3;
  const ExplainInput foil = make_explain_input(model, "The cat sat on the mat. The dog ran.", " A mat sat on the dog");
  ASSERT_NE(foil.target_length(), input.target_length());
  AtmanStats fused, target_stats, foil_stats;
  const Explanation both = explain_atman_contrast(model, input, foil, {}, atman, &fused);
  const Explanation target_only = explain_atman(model, input, {}, atman, &target_stats);
  const Explanation foil_only = explain_atman(model, foil, {}, atman, &foil_stats);
  ASSERT_TRUE(both.contrast.has_value());
  EXPECT_LE(max_abs_diff(both.relevance, target_only.relevance), 1e-5);
  EXPECT_LE(max_abs_diff(both.contrast->relevance, foil_only.relevance), 1e-5);
  EXPECT_EQ(both.baseline_logprobs, target_only.baseline_logprobs);
  EXPECT_EQ(both.contrast->baseline_logprobs, foil_only.baseline_logprobs);
  EXPECT_EQ(fused.rows, target_stats.rows + foil_stats.rows);
  EXPECT_LT(fused.forward_passes, target_stats.forward_passes + foil_stats.forward_passes);
  // The naive reference mode batches the same way.
  atman.naive = true;
  const Explanation naive = explain_atman_contrast(model, input, foil, {}, atman);
  EXPECT_LE(max_abs_diff(naive.contrast->relevance, foil_only.relevance), 1e-5);
}

// The relevance column of `e`'s unit `u`, over the target tokens.
std::vector<double> column(const std::vector<std::vector<double>>& relevance, size_t u) {
  std::vector<double> out;
  for (const auto& row : relevance) out.push_back(row[u]);
  return out;
}

TEST_F(AtmanExplainerTest, RefiningEveryCoarseUnitEqualsTheFullFineExplanation) {
  const ExplainInput long_input =
      make_explain_input(model, "The cat sat on the mat. The dog ran far away.\n\nThen the cat slept. The end", " of it");
  AtmanOptions atman;  // conceptual co-suppression on: rows reach beyond their unit
  atman.batch_size = 3;
  ExplainOptions fine_options;
  fine_options.units.granularity = Granularity::kWord;
  const Explanation fine = explain_atman(model, long_input, fine_options, atman);

  for (auto coarse : {Granularity::kSentence, Granularity::kParagraph}) {
    SCOPED_TRACE(granularity_name(coarse));
    ExplainOptions options;
    options.units.granularity = coarse;
    options.refine = RefineOptions{1000, Granularity::kWord};  // K = all coarse units
    AtmanStats stats;
    const Explanation refined = explain_atman(model, long_input, options, atman, &stats);
    ASSERT_TRUE(refined.refinement.has_value());
    ASSERT_EQ(refined.units.size(), fine.units.size());
    for (size_t u = 0; u < fine.units.size(); ++u) {
      EXPECT_EQ(refined.units[u].token_indices, fine.units[u].token_indices) << "unit " << u;
      EXPECT_EQ(refined.units[u].text, fine.units[u].text);
      EXPECT_TRUE(refined.units[u].refined);
      const auto a = column(refined.relevance, u), b = column(fine.relevance, u);
      for (size_t t = 0; t < a.size(); ++t) EXPECT_NEAR(a[t], b[t], 1e-5) << "unit " << u << " token " << t;
    }
    const auto& r = *refined.refinement;
    EXPECT_EQ(r.refined.size(), r.units.size());
    EXPECT_EQ(r.passes, static_cast<int64_t>(r.units.size() + fine.units.size()));
    EXPECT_EQ(r.full_fine_passes, static_cast<int64_t>(fine.units.size()));
    EXPECT_EQ(stats.rows, r.passes);
    // The coarse level is the plain coarse explanation.
    ExplainOptions coarse_options;
    coarse_options.units.granularity = coarse;
    const Explanation plain = explain_atman(model, long_input, coarse_options, atman);
    EXPECT_LE(max_abs_diff(r.relevance, plain.relevance), 1e-5);
  }
}

TEST_F(AtmanExplainerTest, RefineKeepsCoarseValuesOutsideTheTopUnits) {
  const ExplainInput long_input =
      make_explain_input(model, "The cat sat on the mat. The dog ran far away. Then the cat slept. The end", " of it");
  AtmanOptions atman;
  atman.suppression.conceptual_threshold = std::nullopt;
  ExplainOptions options;
  options.units.granularity = Granularity::kSentence;
  options.refine = RefineOptions{1, std::nullopt};  // the next finer granularity: words
  const Explanation e = explain_atman(model, long_input, options, atman);
  ASSERT_TRUE(e.refinement.has_value());
  const Refinement& r = *e.refinement;
  EXPECT_EQ(r.fine, Granularity::kWord);
  ASSERT_EQ(r.refined.size(), 1u);
  EXPECT_EQ(r.refined[0], [&] {  // the most relevant coarse unit
    size_t best = 0;
    for (size_t u = 1; u < r.total.size(); ++u) best = r.total[u] > r.total[best] ? u : best;
    return static_cast<int64_t>(best);
  }());
  // Units tile the prompt in text order; coarse ones keep their coarse values exactly.
  int64_t next = 0, fine = 0;
  for (size_t u = 0; u < e.units.size(); ++u) {
    const Unit& unit = e.units[u];
    EXPECT_EQ(unit.index, static_cast<int64_t>(u));
    EXPECT_EQ(unit.start, next);
    next = unit.start + unit.length;
    if (unit.refined) {
      ++fine;
      EXPECT_EQ(unit.coarse_unit, r.refined[0]);
    } else {
      EXPECT_EQ(column(e.relevance, u), column(r.relevance, static_cast<size_t>(unit.coarse_unit)));
      EXPECT_EQ(e.total[u], r.total[static_cast<size_t>(unit.coarse_unit)]);
    }
  }
  EXPECT_GT(fine, 1);
  EXPECT_EQ(r.passes, static_cast<int64_t>(r.units.size()) + fine);
  EXPECT_GT(r.full_fine_passes, r.passes);
}

TEST_F(AtmanExplainerTest, RefineRefusesWhatCannotBeFiner) {
  ExplainOptions options;
  options.refine = RefineOptions{2, std::nullopt};  // token units: nothing finer
  EXPECT_THAT(error_message([&] { explain_atman(model, input, options, {}); }), ::testing::HasSubstr("finest"));
  options.units.granularity = Granularity::kWord;
  options.refine = RefineOptions{2, Granularity::kSentence};
  EXPECT_THAT(error_message([&] { explain_atman(model, input, options, {}); }),
              ::testing::HasSubstr("sentence units are not finer than word units"));
  MethodOptions ig;
  ig.method = Method::kIntegratedGradients;
  options.refine = RefineOptions{2, Granularity::kToken};
  EXPECT_THAT(error_message([&] { explain(model, input, options, ig); }), ::testing::HasSubstr("--refine needs --method atman"));
  EXPECT_THAT(error_message([&] { parse_refine("0:word"); }), ::testing::HasSubstr("K >= 1"));
  EXPECT_THAT(error_message([&] { parse_refine("3:words"); }), ::testing::HasSubstr("unknown granularity 'words'"));
  EXPECT_EQ(parse_refine("3:word").top_k, 3);
}

TEST_F(AtmanExplainerTest, OptionsAreValidated) {
  AtmanOptions bad;
  bad.suppression.factor = 100.5;
  EXPECT_THAT(error_message([&] { explain_atman(model, input, {}, bad); }), ::testing::HasSubstr("[0, 100]"));
  bad.suppression.factor = 0.0;
  bad.suppression.mode = SuppressionMode::kLogAdditive;
  EXPECT_THAT(error_message([&] { explain_atman(model, input, {}, bad); }), ::testing::HasSubstr("log-additive"));
  bad = {};
  bad.suppression.conceptual_threshold = -0.1;
  EXPECT_THAT(error_message([&] { explain_atman(model, input, {}, bad); }),
              ::testing::HasSubstr("--conceptual-threshold"));
  EXPECT_THAT(error_message([&] { parse_layer_list("0,7", 2); }), ::testing::HasSubstr("'7' is not a layer"));
  EXPECT_EQ(parse_layer_list("1,0-1", 2), (std::vector<int64_t>{0, 1}));
}

}  // namespace
}  // namespace atman::test
