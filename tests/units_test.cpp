// Units of each granularity: boundaries, token membership and spans that tile the text.
#include "atman/units.hpp"

#include "atman/text_format.hpp"
#include "atman/utf8.hpp"
#include "support/test_support.hpp"

namespace atman::test {
namespace {

using ::testing::HasSubstr;

class UnitsTest : public SeededTest {
 protected:
  TempDir tmp;
  Model model = load_model(write_tiny_model(tmp.path()));

  static void expect_tiles(const std::vector<Unit>& units, const std::string& text, const std::string& source) {
    int64_t next = 0;
    std::string rebuilt;
    for (const Unit& u : units) {
      if (u.source != source) continue;
      EXPECT_EQ(u.start, next) << "unit " << u.index;
      EXPECT_FALSE(u.token_indices.empty()) << "unit " << u.index;
      EXPECT_EQ(u.text, utf8_substr(text, u.start, u.length));
      next = u.start + u.length;
      rebuilt += u.text;
    }
    EXPECT_EQ(next, count_code_points(text));
    EXPECT_EQ(rebuilt, text);
  }
};

TEST_F(UnitsTest, EveryGranularityTilesThePrompt) {
  const std::string prompt =
      "Lily had a red ball. She said: \"Look!\" Then she ran.\n\nThe next day, caf\xC3\xA9 time; Tom came.";
  const auto input = make_explain_input(model, prompt, " She smiled.");
  for (auto g : {Granularity::kToken, Granularity::kWord, Granularity::kSentence, Granularity::kParagraph,
                 Granularity::kDelimiter}) {
    UnitOptions options;
    options.granularity = g;
    options.delimiter = ";";
    const auto units = build_units(input, options);
    SCOPED_TRACE(granularity_name(g));
    expect_tiles(units, prompt, "prompt");
    // Every prompt token except BOS belongs to exactly one unit.
    std::vector<int> seen(static_cast<size_t>(input.prompt_length()), 0);
    for (const Unit& u : units) {
      for (int64_t i : u.token_indices) seen[static_cast<size_t>(i)]++;
    }
    for (size_t i = 1; i < seen.size(); ++i) EXPECT_EQ(seen[i], 1) << "token " << i;
    EXPECT_EQ(seen[0], 0) << "BOS is not a unit";
  }
}

TEST_F(UnitsTest, BoundariesFollowWordsSentencesAndParagraphs) {
  const std::u32string text = U"Hi there. \"Go!\" she said.\n\nNew one; here";
  auto at = [&](Granularity g, const std::u32string& d = U"") { return unit_boundaries(text, g, d); };
  EXPECT_EQ(at(Granularity::kWord), (std::vector<int64_t>{0, 2, 9, 15, 19, 25, 30, 35}));
  EXPECT_EQ(at(Granularity::kSentence), (std::vector<int64_t>{0, 9, 15, 25}));
  EXPECT_EQ(at(Granularity::kParagraph), (std::vector<int64_t>{0, 25}));
  EXPECT_EQ(at(Granularity::kDelimiter, U";"), (std::vector<int64_t>{0, 35}));
}

TEST_F(UnitsTest, WordUnitsGroupTheTokensOfAWord) {
  const auto input = make_explain_input(model, "Once upon a time", " there");
  UnitOptions options;
  options.granularity = Granularity::kWord;
  const auto units = build_units(input, options);
  ASSERT_EQ(units.size(), 4u);
  EXPECT_EQ(units[1].text, " upon");
  EXPECT_EQ(units[3].text, " time");
}

TEST_F(UnitsTest, AutoPicksTheCoarsestGranularityWithThirtyUnits) {
  UnitOptions autos;
  autos.granularity = Granularity::kAuto;
  auto count = [&](const ExplainInput& input, Granularity g) {
    UnitOptions options;
    options.granularity = g;
    return build_units(input, options).size();
  };
  // Few words: not even words reach 30, so tokens.
  const auto short_input = make_explain_input(model, "Once upon a time there was a cat.", " It");
  EXPECT_EQ(build_units(short_input, autos).size(), count(short_input, Granularity::kToken));
  // 30 one-word sentences: sentences (paragraph gives 1), within the tiny model's 128 positions.
  std::string text;
  for (int i = 0; i < 30; ++i) text += "A. ";
  text.pop_back();
  const auto long_input = make_explain_input(model, text, " He");
  EXPECT_EQ(count(long_input, Granularity::kSentence), 30u);
  const auto units = build_units(long_input, autos);
  ASSERT_EQ(units.size(), 30u);
  EXPECT_EQ(units[1].text, " A.");
}

TEST_F(UnitsTest, TargetUnitsCoverTargetWithoutItsLastToken) {
  const auto input = make_explain_input(model, "Tom had a dog.", " The dog ran home");
  UnitOptions options;
  options.explain_target = true;
  const auto units = build_units(input, options);
  std::string target_text;
  for (const Unit& u : units) {
    if (u.source == "target") target_text += u.text;
  }
  const Token& last = input.target_tokens.back();
  EXPECT_EQ(target_text, input.target.substr(0, static_cast<size_t>(last.byte_start)));
}

TEST_F(UnitsTest, BadOptionsAreReported) {
  EXPECT_THAT(error_message([] { parse_granularity("letter"); }), ::testing::HasSubstr("unknown granularity 'letter'"));
  const auto input = make_explain_input(model, "a b", " c");
  UnitOptions options;
  options.granularity = Granularity::kDelimiter;
  EXPECT_THAT(error_message([&] { build_units(input, options); }), ::testing::HasSubstr("--delimiter"));
}

TEST_F(UnitsTest, InputErrorsNameTheProblem) {
  EXPECT_THAT(error_message([&] { make_explain_input(model, "", "x"); }), ::testing::HasSubstr("prompt is empty"));
  EXPECT_THAT(error_message([&] { make_explain_input(model, "x", ""); }), ::testing::HasSubstr("target is empty"));
  EXPECT_THAT(error_message([&] { make_explain_input(model, "Hello", " "); }),
              ::testing::HasSubstr("yields no tokens"));
  std::string long_prompt;
  for (int i = 0; i < 200; ++i) long_prompt += " dog";
  EXPECT_THAT(error_message([&] { make_explain_input(model, long_prompt, " cat"); }),
              ::testing::HasSubstr("longer than the model's max_position_embeddings (128)"));
}

TEST(Utf8Test, InvalidSequencesAreFoundAndEscaped) {
  EXPECT_EQ(first_invalid_utf8("caf\xc3\xa9 \xf0\x9f\x98\x80"), 10u);  // valid: its size
  EXPECT_EQ(first_invalid_utf8("ab\xff"), 2u);
  EXPECT_EQ(first_invalid_utf8("\xc0\xaf"), 0u);          // overlong '/'
  EXPECT_EQ(first_invalid_utf8("x\xed\xa0\x80"), 1u);     // a surrogate
  EXPECT_EQ(first_invalid_utf8("\xf4\x90\x80\x80"), 0u); // above U+10FFFF
  EXPECT_EQ(first_invalid_utf8("ab\xe2\x82"), 2u);        // cut off
  EXPECT_EQ(escape_invalid_utf8("caf\xff\xc3\xa9"), "caf\\xFF\xc3\xa9");
  EXPECT_THAT(error_message([] { require_valid_utf8("Tom \xff", "the prompt"); }),
              HasSubstr("the prompt is not valid UTF-8: byte 0xFF at byte offset 4"));
}

TEST(TextFormatTest, ControlCharactersAreShownNotSentToTheTerminal) {
  EXPECT_EQ(escape_control_characters("a\x1b[2Jb\x07\n\tc\x7f\xc2\x9b"), "a\\x1B[2Jb\\x07\\n\\tc\\x7F\\u009B");
  EXPECT_EQ(escape_control_characters("line\n\tnext\r", true), "line\n\tnext\\r");
  EXPECT_EQ(escape_control_characters("caf\xc3\xa9"), "caf\xc3\xa9");
}

}  // namespace
}  // namespace atman::test
