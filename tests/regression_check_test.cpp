// Rank metrics on vectors with known answers, and the id-by-id check of two runs.
#include <sstream>

#include "atman/rank_metrics.hpp"
#include "atman/regression_check.hpp"
#include "support/test_support.hpp"

namespace atman::test {
namespace {

using ::testing::HasSubstr;

TEST(RankMetricsTest, SpearmanKnownValues) {
  EXPECT_DOUBLE_EQ(spearman_correlation({1, 2, 3, 4}, {10, 20, 30, 40}), 1.0);
  EXPECT_DOUBLE_EQ(spearman_correlation({1, 2, 3, 4}, {4, 3, 2, 1}), -1.0);
  // Ranks (1, 2, 3, 4) and (2, 1, 4, 3): 1 − 6·Σd²/(n(n²−1)) = 1 − 6·4/60 = 0.6.
  EXPECT_NEAR(spearman_correlation({1, 2, 3, 4}, {2, 1, 4, 3}), 0.6, 1e-12);
  // Ties share average ranks: (1.5, 1.5, 3) against (1, 2, 3) gives 0.866.
  EXPECT_NEAR(spearman_correlation({5, 5, 9}, {1, 2, 3}), std::sqrt(3.0) / 2.0, 1e-12);
  EXPECT_DOUBLE_EQ(spearman_correlation({0, 0, 0}, {0, 0, 0}), 1.0);
  EXPECT_DOUBLE_EQ(spearman_correlation({0, 0, 0}, {1, 0, 0}), 0.0);
  EXPECT_THAT(error_message([] { spearman_correlation({1}, {1, 2}); }), HasSubstr("cannot compare 1 values with 2"));
}

TEST(RankMetricsTest, TopKOverlapAndMaxDiff) {
  const std::vector<double> a{0.9, 0.1, 0.5, 0.3, 0.0}, b{0.1, 0.9, 0.5, 0.0, 0.3};
  EXPECT_DOUBLE_EQ(top_k_overlap(a, a, 3), 1.0);
  EXPECT_DOUBLE_EQ(top_k_overlap(a, b, 2), 0.5);  // {0, 2} vs {1, 2}
  EXPECT_DOUBLE_EQ(top_k_overlap(a, b, 3), 1.0 / 3.0);  // {0, 2, 3} vs {1, 2, 4}
  EXPECT_DOUBLE_EQ(top_k_overlap(a, b, 10), 1.0) << "k is capped at the number of units";
  EXPECT_EQ(rank_order(a), (std::vector<int64_t>{0, 2, 3, 1, 4}));
  EXPECT_DOUBLE_EQ(max_abs_difference(a, b), 0.8);
}

nlohmann::json record(const std::string& id, std::vector<double> total, const std::string& prompt = "p") {
  nlohmann::json units = nlohmann::json::array();
  for (size_t i = 0; i < total.size(); ++i) units.push_back({{"index", i}, {"text", "u" + std::to_string(i)}});
  return {{"id", id}, {"schema", "atman.explanation/v1"}, {"method", "atman"}, {"prompt", prompt},
          {"target", "t"}, {"units", units}, {"total", total}};
}

TEST(RegressionCheckTest, IdenticalRunsPass) {
  const std::vector<nlohmann::json> run{record("a", {3, 1, 2, 0, 5, 4}), record("b", {1, 2})};
  const CheckReport r = check_explanations(run, run, {});
  EXPECT_EQ(r.passed, 2);
  EXPECT_EQ(r.exit_code(), 0);
  EXPECT_DOUBLE_EQ(r.records[0].spearman, 1.0);
}

TEST(RegressionCheckTest, ARankingChangeRegressesAndSmallNoiseDoesNot) {
  const std::vector<nlohmann::json> base{record("a", {6, 5, 4, 3, 2, 1, 0})};
  const CheckReport noise = check_explanations(base, {record("a", {6.01, 5, 4, 3, 2, 1, 0.02})}, {});
  EXPECT_EQ(noise.exit_code(), 0);
  const CheckReport swapped = check_explanations(base, {record("a", {0, 1, 2, 3, 4, 5, 6})}, {});
  EXPECT_EQ(swapped.regressed, 1);
  EXPECT_EQ(swapped.exit_code(), 1);
  EXPECT_THAT(swapped.records[0].reason, HasSubstr("spearman -1.0000 < 0.9000"));
  EXPECT_THAT(swapped.records[0].reason, HasSubstr("top-5 overlap"));
  CheckThresholds strict;
  strict.max_abs_diff = 0.001;
  EXPECT_THAT(check_explanations(base, {record("a", {6.01, 5, 4, 3, 2, 1, 0})}, strict).records[0].reason,
              HasSubstr("max |diff| 0.010000 > 0.001000"));
}

TEST(RegressionCheckTest, MismatchesAreUnusableNotIgnored) {
  const std::vector<nlohmann::json> base{record("a", {1, 2}), record("b", {1, 2}), record("c", {1, 2, 3})};
  auto other_schema = record("a", {1, 2});
  other_schema["schema"] = "atman.explanation/v2";
  const CheckReport r =
      check_explanations(base, {other_schema, record("b", {1, 2}, "other prompt"), record("c", {1, 2}), record("d", {1})}, {});
  EXPECT_EQ(r.unusable, 4);
  EXPECT_EQ(r.exit_code(), 2);
  EXPECT_THAT(r.records[0].reason, HasSubstr("different schema"));
  EXPECT_THAT(r.records[1].reason, HasSubstr("different prompt"));
  EXPECT_THAT(r.records[2].reason, HasSubstr("different units: 3 vs 2"));
  EXPECT_EQ(r.records[3].id, "\"d\"");
  EXPECT_THAT(r.records[3].reason, HasSubstr("missing from the baseline"));
  EXPECT_THAT(check_explanations(base, {record("a", {1, 2})}, {}).records[1].reason,
              HasSubstr("missing from the current run"));
  nlohmann::json failed = {{"id", "a"}, {"error", {{"code", "invalid_input"}, {"message", "too long"}}}};
  EXPECT_EQ(check_explanations({failed}, {failed}, {}).passed, 1) << "the same failure in both runs";
  EXPECT_THAT(check_explanations({record("a", {1, 2})}, {failed}, {}).records[0].reason,
              HasSubstr("current record is an error: too long"));
}

TEST(RegressionCheckTest, JunitXmlHasOneCasePerIdWithFailuresAndErrors) {
  const std::vector<nlohmann::json> base{record("ok", {1, 2, 3}), record("bad<&>", {1, 2, 3}), record("gone", {1})};
  const CheckReport r = check_explanations(base, {record("ok", {1, 2, 3}), record("bad<&>", {3, 2, 1})}, {});
  std::ostringstream xml;
  write_junit(r, {}, xml);
  const std::string s = xml.str();
  EXPECT_THAT(s, HasSubstr("<testsuite name=\"atman.check\" tests=\"3\" failures=\"1\" errors=\"1\">"));
  EXPECT_THAT(s, HasSubstr("<testcase classname=\"atman.check\" name=\"&quot;ok&quot;\"/>"));
  EXPECT_THAT(s, HasSubstr("name=\"&quot;bad&lt;&amp;&gt;&quot;\">\n      <failure message=\"spearman"));
  EXPECT_THAT(s, HasSubstr("<error message=\"missing from the current run\">"));
  EXPECT_EQ(s.find("<&>"), std::string::npos) << "unescaped markup";
  std::ostringstream table;
  write_check_table(r, table);
  EXPECT_THAT(table.str(), HasSubstr("check: 3 ids, 1 passed, 1 regressed, 1 unusable"));
}

TEST(RegressionCheckTest, BadThresholdsAndLinesAreRefused) {
  CheckThresholds t;
  t.top_k = 0;
  EXPECT_THAT(error_message([&] { t.validate(); }), HasSubstr("--top-k must be >= 1"));
  EXPECT_THAT(error_message([] { parse_explanation_lines({"{\"id\":1}", "nope"}, "cur.jsonl"); }),
              HasSubstr("'cur.jsonl' line 2 is not valid JSON"));
  EXPECT_THAT(error_message([] { parse_explanation_lines({"{\"x\":1}"}, "cur.jsonl"); }),
              HasSubstr("line 1 is not an explanation record"));
}

}  // namespace
}  // namespace atman::test
