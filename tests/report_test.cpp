// The writers: JSON schema and determinism, a self-contained HTML page, readable text.
#include "atman/report.hpp"

#include <sstream>

#include "atman/atman_explainer.hpp"
#include "support/test_support.hpp"

namespace atman::test {
namespace {

using ::testing::HasSubstr;
using ::testing::Not;

class ReportTest : public SeededTest {
 protected:
  TempDir tmp;
  Model model = load_model(write_tiny_model(tmp.path()));
  ExplainInput input = make_explain_input(model, "Tom & <Lily> \"played\".", " Tom ran");
  Explanation e = explain_atman(model, input, {}, {});

  std::string render(ReportFormat f, bool colors = false) {
    std::ostringstream out;
    write_report(e, f, out, colors);
    return out.str();
  }
};

TEST_F(ReportTest, JsonHasTheDocumentedSchema) {
  const auto j = nlohmann::json::parse(render(ReportFormat::kJson));
  EXPECT_EQ(j["schema"], "atman.explanation/v1");
  EXPECT_EQ(j["method"], "atman");
  EXPECT_EQ(j["model"]["path"], tmp.path().string());
  EXPECT_THAT(j["model"]["config_hash"].get<std::string>(), ::testing::StartsWith("fnv1a64:"));
  EXPECT_EQ(j["params"]["factor"], 0.1);
  EXPECT_EQ(j["params"]["conceptual_threshold"], 0.7);
  EXPECT_EQ(j["prompt"], input.prompt);
  EXPECT_EQ(j["target"], input.target);
  const auto N = static_cast<size_t>(input.target_length());
  EXPECT_EQ(j["input_tokens"].size(), static_cast<size_t>(input.input_length()));
  EXPECT_EQ(j["target_tokens"].size(), N);
  EXPECT_EQ(j["relevance"].size(), N);
  EXPECT_EQ(j["relevance"][0].size(), j["units"].size());
  EXPECT_EQ(j["total"].size(), j["units"].size());
  EXPECT_EQ(j["baseline_logprobs"].size(), N);
  for (const auto& tok : j["target_tokens"]) {
    const std::string span = input.target.substr(tok["start"].get<size_t>(), tok["length"].get<size_t>());
    EXPECT_FALSE(span.empty());
  }
  for (const char* key : {"index", "token_indices", "start", "length", "text"}) {
    EXPECT_TRUE(j["units"][0].contains(key)) << key;
  }
  // total = Σ_t relevance (postprocess none), up to the printed precision.
  for (size_t u = 0; u < j["units"].size(); ++u) {
    double sum = 0.0;
    for (size_t t = 0; t < N; ++t) sum += j["relevance"][t][u].get<double>();
    EXPECT_NEAR(j["total"][u].get<double>(), sum, 1e-6);
  }
}

TEST_F(ReportTest, SameExplanationGivesTheSameBytes) {
  const Explanation again = explain_atman(model, input, {}, {});
  std::ostringstream a, b;
  write_report(e, ReportFormat::kJson, a, false);
  write_report(again, ReportFormat::kJson, b, false);
  EXPECT_EQ(a.str(), b.str());
}

TEST_F(ReportTest, HtmlIsSelfContainedAndEscaped) {
  const std::string html = render(ReportFormat::kHtml);
  EXPECT_THAT(html, HasSubstr("<!DOCTYPE html>"));
  EXPECT_THAT(html, HasSubstr("&lt;"));
  EXPECT_THAT(html, HasSubstr("&amp;"));
  EXPECT_THAT(html, Not(HasSubstr("<Lily")));
  EXPECT_THAT(html, Not(HasSubstr("Lily>")));
  EXPECT_THAT(html, Not(HasSubstr("http://")));
  EXPECT_THAT(html, Not(HasSubstr("https://")));
  EXPECT_THAT(html, Not(HasSubstr("src=")));
  EXPECT_THAT(html, HasSubstr("class=\"legend\""));
  // One hoverable span per unit and one view button per target token (plus "total").
  size_t spans = 0, buttons = 0;
  for (size_t at = 0; (at = html.find("class=\"unit\"", at)) != std::string::npos; ++at) ++spans;
  for (size_t at = 0; (at = html.find("<button data-view=", at)) != std::string::npos; ++at) ++buttons;
  EXPECT_EQ(spans, e.units.size());
  EXPECT_EQ(buttons, static_cast<size_t>(input.target_length()) + 1);
}

TEST_F(ReportTest, TextIsARankedTableWithoutColoursAndShadedWithThem) {
  const std::string plain = render(ReportFormat::kText, false);
  EXPECT_THAT(plain, HasSubstr("rank\tunit\tsource\tstart\tlength\ttotal\ttext"));
  EXPECT_THAT(plain, Not(HasSubstr("\x1b[")));
  const auto order = e.ranking();
  EXPECT_THAT(plain, HasSubstr("\n1\t" + std::to_string(order[0]) + "\tprompt"));
  const std::string colored = render(ReportFormat::kText, true);
  EXPECT_THAT(colored, HasSubstr("\x1b[48;5;"));
  EXPECT_THAT(colored, HasSubstr("Top units:"));
}

}  // namespace
}  // namespace atman::test
