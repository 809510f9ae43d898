// Units of each granularity: boundaries, token membership and spans that tile the text.
#include "atman/units.hpp"

#include "atman/explain_request.hpp"

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

// The input of documents before a question, as `explain --document` and batch records build it.
ExplainInput document_input(const Model& model, const std::vector<std::string>& documents, const std::string& question,
                            const std::string& document_template = kDefaultDocumentTemplate) {
  ExplainRequest request;
  request.documents = documents;
  request.document_template = document_template;
  request.prompt = question;
  request.target = " ball";
  return prepare_input(model, request).input;
}

TEST_F(UnitsTest, DocumentUnitsTileEachDocumentAndNeverCrossOne) {
  // The first document ends mid-sentence: without documents its last words and the second
  // document's first would be one sentence.
  const std::vector<std::string> docs{"Tom had a red ball and", "a dog. The dog ran.", "Lily sat.\n\nShe smiled."};
  const std::string question = "Tom looked for his";
  for (const std::string& tmpl : {std::string(kDefaultDocumentTemplate), std::string("Doc {number}: {document}\n")}) {
    SCOPED_TRACE(tmpl);
    const auto input = document_input(model, docs, question, tmpl);
    ASSERT_EQ(input.documents.size(), docs.size());
    for (size_t d = 0; d < docs.size(); ++d) {
      EXPECT_EQ(utf8_substr(input.prompt, input.documents[d].start, input.documents[d].length), docs[d]);
    }
    EXPECT_EQ(utf8_substr(input.prompt, input.question.start, input.question.length), question);
    if (tmpl != kDefaultDocumentTemplate) {
      EXPECT_NE(input.prompt.find("Doc 2: a dog."), std::string::npos);
    }

    UnitOptions options;
    options.granularity = Granularity::kDocument;
    const auto units = build_units(input, options);
    ASSERT_EQ(units.size(), docs.size()) << "one unit per document, none for the question";
    for (size_t d = 0; d < docs.size(); ++d) {
      EXPECT_EQ(units[d].text, docs[d]);
      EXPECT_EQ(units[d].document, static_cast<int64_t>(d));
    }
    for (auto g : {Granularity::kToken, Granularity::kWord, Granularity::kSentence, Granularity::kParagraph}) {
      SCOPED_TRACE(granularity_name(g));
      options.granularity = g;
      const auto fine = build_units(input, options);
      // Each document's units, and the question's, tile exactly its text.
      std::vector<std::string> rebuilt(docs.size() + 1);
      std::vector<int> seen(static_cast<size_t>(input.prompt_length()), 0);
      for (const Unit& u : fine) {
        const DocumentSpan& span = u.document >= 0 ? input.documents[static_cast<size_t>(u.document)] : input.question;
        EXPECT_GE(u.start, span.start);
        EXPECT_LE(u.start + u.length, span.start + span.length) << "unit " << u.index << " '" << u.text << "'";
        rebuilt[static_cast<size_t>(u.document >= 0 ? u.document : static_cast<int64_t>(docs.size()))] += u.text;
        for (int64_t i : u.token_indices) seen[static_cast<size_t>(i)]++;
      }
      for (size_t d = 0; d < docs.size(); ++d) EXPECT_EQ(rebuilt[d], docs[d]);
      EXPECT_EQ(rebuilt.back(), question);
      for (int n : seen) EXPECT_LE(n, 1);
    }
  }
}

TEST_F(UnitsTest, DocumentInputsRefuseWhatTheyCannotPlace) {
  UnitOptions options;
  options.granularity = Granularity::kDocument;
  const auto plain = make_explain_input(model, "Tom had a ball.", " It");
  EXPECT_THAT(error_message([&] { build_units(plain, options); }), HasSubstr("--granularity document needs documents"));
  EXPECT_THAT(error_message([&] { document_input(model, {"Tom ran.", ""}, "Q"); }), HasSubstr("document 1 is empty"));
  EXPECT_THAT(error_message([&] { document_input(model, {"Tom ran."}, "Q", "no placeholder"); }),
              HasSubstr("must hold {document} exactly once"));
  EXPECT_THAT(error_message([&] { assemble_documents({}, kDefaultDocumentTemplate, "Q"); }), HasSubstr("no documents"));
}

TEST_F(UnitsTest, SplittingAUnitTilesItAtTheFinerGranularity) {
  const auto input = make_explain_input(model, "Tom had a red ball. The dog ran home.\n\nLily sat.", " She");
  UnitOptions options;
  options.granularity = Granularity::kParagraph;
  const auto paragraphs = build_units(input, options);
  options.granularity = Granularity::kWord;
  const auto words = build_units(input, options);
  std::vector<Unit> split;
  for (const Unit& p : paragraphs) {
    for (const Unit& w : split_unit(input, p, Granularity::kWord)) split.push_back(w);
  }
  ASSERT_EQ(split.size(), words.size());
  for (size_t i = 0; i < words.size(); ++i) {
    EXPECT_EQ(split[i].text, words[i].text);
    EXPECT_EQ(split[i].start, words[i].start);
    EXPECT_EQ(split[i].token_indices, words[i].token_indices);
  }
  EXPECT_EQ(finer_granularity(Granularity::kDocument), Granularity::kSentence);
  EXPECT_EQ(finer_granularity(Granularity::kWord), Granularity::kToken);
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

// Option values quoted in messages read as the user wrote them, not as "150.000000".
TEST(TextFormatTest, FormatNumberIsShortest) {
  EXPECT_EQ(format_number(150.0), "150");
  EXPECT_EQ(format_number(0.7), "0.7");
  EXPECT_EQ(format_number(1e-5), "1e-05");
  EXPECT_EQ(format_number(-2.5), "-2.5");
  EXPECT_EQ(format_fixed(0.7, 3), "0.700");
}

TEST(TextFormatTest, ControlCharactersAreShownNotSentToTheTerminal) {
  EXPECT_EQ(escape_control_characters("a\x1b[2Jb\x07\n\tc\x7f\xc2\x9b"), "a\\x1B[2Jb\\x07\\n\\tc\\x7F\\u009B");
  EXPECT_EQ(escape_control_characters("line\n\tnext\r", true), "line\n\tnext\\r");
  EXPECT_EQ(escape_control_characters("caf\xc3\xa9"), "caf\xc3\xa9");
}

}  // namespace
}  // namespace atman::test
