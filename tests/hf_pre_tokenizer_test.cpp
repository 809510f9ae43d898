// The normalizers and pre-tokenizers of tokenizer.json on small inputs: the pieces and the origin
// of every byte, as the Rust `tokenizers` library gives them; then the byte-level fixtures, whose
// reference tokens must never cross a piece boundary.
#include <gmock/gmock.h>
#include <gtest/gtest.h>

#include <cstdlib>
#include <filesystem>
#include <fstream>
#include <nlohmann/json.hpp>
#include <string>
#include <utility>
#include <vector>

#include "atman/error.hpp"
#include "support/test_support.hpp"
#include "byte_level_alphabet.hpp"
#include "components.hpp"
#include "normalized_text.hpp"

namespace atman::test {
namespace {

using hf::NormalizedText;
using hf::Span;
using ::testing::ElementsAre;
using ::testing::HasSubstr;

// The Split pattern of the llama3.2 fixture.
const char* const kLlama3Regex =
    "(?i:'s|'t|'re|'ve|'m|'ll|'d)|[^\\r\\n\\p{L}\\p{N}]?\\p{L}+|\\p{N}{1,3}"
    "| ?[^\\s\\p{L}\\p{N}]+[\\r\\n]*|\\s*[\\r\\n]+|\\s+(?!\\S)|\\s+";

std::string llama3_split() {
  return nlohmann::json{{"type", "Split"},
                        {"pattern", {{"Regex", kLlama3Regex}}},
                        {"behavior", "Isolated"},
                        {"invert", false}}
      .dump();
}

nlohmann::json parse(const std::string& text) { return nlohmann::json::parse(text); }

std::unique_ptr<hf::PreTokenizer> pre(const std::string& json) {
  return hf::make_pre_tokenizer(parse(json), "test.json");
}

std::vector<std::string> texts(const std::vector<NormalizedText>& pieces) {
  std::vector<std::string> out;
  for (const auto& p : pieces) out.push_back(p.text);
  return out;
}

std::vector<std::string> split(const std::string& json, const std::string& text) {
  return texts(pre(json)->split(NormalizedText::original(text)));
}

std::string normalize(const std::string& json, NormalizedText& text) {
  hf::make_normalizer(parse(json), "test.json")->normalize(text);
  return text.text;
}

// The origin of every byte, as "start-end" strings for readable failures.
std::vector<std::string> origins(const NormalizedText& t) {
  std::vector<std::string> out;
  for (const auto& s : t.origin)
    out.push_back(std::to_string(s.start) + "-" + std::to_string(s.end));
  return out;
}


TEST(HfByteLevelAlphabet, MapsEveryByteBothWays) {
  EXPECT_EQ(hf::byte_to_char('A'), U'A');
  EXPECT_EQ(hf::byte_to_char(' '), U'\u0120');   // "Ġ"
  EXPECT_EQ(hf::byte_to_char('\n'), U'\u010A');  // "Ċ"
  EXPECT_EQ(hf::byte_to_char(0), U'\u0100');
  EXPECT_EQ(hf::byte_to_char(0xAD), U'\u0143');
  for (int b = 0; b < 256; ++b) {
    EXPECT_EQ(hf::char_to_byte(hf::byte_to_char(static_cast<uint8_t>(b))), b);
  }
  EXPECT_FALSE(hf::char_to_byte(U' ').has_value());
  EXPECT_FALSE(hf::char_to_byte(0x144).has_value());
  EXPECT_FALSE(hf::char_to_byte(U'\u2581').has_value());
}

TEST(HfNormalizer, NullGivesNoStage) {
  EXPECT_EQ(hf::make_normalizer(nullptr, "x"), nullptr);
  EXPECT_EQ(hf::make_pre_tokenizer(nullptr, "x"), nullptr);
}

TEST(HfNormalizer, PrependAndReplaceLikeLlama2) {
  auto t = NormalizedText::original("a b");
  const std::string json = R"({"type":"Sequence","normalizers":[{"type":"Prepend","prepend":"▁"},
      {"type":"Replace","pattern":{"String":" "},"content":"▁"}]})";
  EXPECT_EQ(normalize(json, t), "▁a▁b");
  // The prepended mark shares the first character's origin; the replacement that of the space.
  EXPECT_THAT(origins(t), ElementsAre("0-1", "0-1", "0-1", "0-1", "1-2", "1-2", "1-2", "2-3"));
  auto empty = NormalizedText::original("");
  EXPECT_EQ(normalize(json, empty), "");
}

TEST(HfNormalizer, ReplaceRegex) {
  auto t = NormalizedText::original("a  b   c");
  EXPECT_EQ(normalize(R"({"type":"Replace","pattern":{"Regex":" {2,}"},"content":"_"})", t),
            "a_b_c");
  // A replacement takes the origin of the last character of its match.
  EXPECT_THAT(origins(t), ElementsAre("0-1", "2-3", "3-4", "6-7", "7-8"));
  auto s = NormalizedText::original("a.b");
  EXPECT_EQ(normalize(R"({"type":"Replace","pattern":{"String":"."},"content":""})", s), "ab");
}

TEST(HfNormalizer, NfcGivesTheComposedCharacterBothOrigins) {
  // "cafe\u0301": the reference gives the composed é the span of the e alone (3-4); atman gives
  // it the e and the accent (3-5), so that spans still tile the text.
  auto t = NormalizedText::original("cafe\u0301!");
  EXPECT_EQ(normalize(R"({"type":"NFC"})", t), "caf\u00e9!");
  EXPECT_THAT(origins(t), ElementsAre("0-1", "1-2", "2-3", "3-5", "3-5", "5-6"));
}

TEST(HfNormalizer, NfdDecomposesAndOrdersMarks) {
  auto t = NormalizedText::original("\u00e9x");
  EXPECT_EQ(normalize(R"({"type":"NFD"})", t), "e\u0301x");
  EXPECT_THAT(origins(t), ElementsAre("0-1", "0-1", "0-1", "1-2"));
  // Dot below (class 220) goes before acute (230).
  auto marks = NormalizedText::original("a\u0301\u0323");
  EXPECT_EQ(normalize(R"({"type":"NFD"})", marks), "a\u0323\u0301");
  auto hangul = NormalizedText::original("\ud55c");
  EXPECT_EQ(normalize(R"({"type":"NFD"})", hangul), "\u1112\u1161\u11ab");
}

TEST(HfNormalizer, NfcComposesWhatNfdTookApart) {
  for (const std::string s : {"\u00e9", "\ud55c\uae00", "a\u0323\u0301", "\u1e69", "\u0915\u093c",
                              "\u212b", "e\u0301\u0301"}) {
    auto t = NormalizedText::original(s);
    normalize(R"({"type":"NFD"})", t);
    normalize(R"({"type":"NFC"})", t);
    auto direct = NormalizedText::original(s);
    EXPECT_EQ(t.text, normalize(R"({"type":"NFC"})", direct));
  }
  auto excluded = NormalizedText::original("\u0915\u093c");  // U+0958 is excluded from composition
  EXPECT_EQ(normalize(R"({"type":"NFC"})", excluded), "\u0915\u093c");
  auto angstrom = NormalizedText::original("\u212b");
  EXPECT_EQ(normalize(R"({"type":"NFC"})", angstrom), "\u00c5");
}

TEST(HfNormalizer, NfkcAndNfkd) {
  auto t = NormalizedText::original("\ufb01x");
  EXPECT_EQ(normalize(R"({"type":"NFKC"})", t), "fix");
  EXPECT_THAT(origins(t), ElementsAre("0-1", "0-1", "1-2"));
  auto d = NormalizedText::original("\u2460");
  EXPECT_EQ(normalize(R"({"type":"NFKD"})", d), "1");
}

TEST(HfNormalizer, LowercaseAndStrip) {
  auto t = NormalizedText::original("ÀB\u0130");
  EXPECT_EQ(normalize(R"({"type":"Lowercase"})", t), "àbi\u0307");
  EXPECT_THAT(origins(t), ElementsAre("0-1", "0-1", "1-2", "2-3", "2-3", "2-3"));
  auto s = NormalizedText::original(" \u3000a b\t");
  EXPECT_EQ(normalize(R"({"type":"Strip","strip_left":true,"strip_right":true})", s), "a b");
  EXPECT_THAT(origins(s), ElementsAre("2-3", "3-4", "4-5"));
  auto left = NormalizedText::original("  a ");
  EXPECT_EQ(normalize(R"({"type":"Strip","strip_left":true,"strip_right":false})", left), "a ");
}

TEST(HfPreTokenizer, SplitBehaviors) {
  const auto with = [](const std::string& behavior, bool invert = false) {
    return R"({"type":"Split","pattern":{"String":"-"},"behavior":")" + behavior +
           R"(","invert":)" + (invert ? "true" : "false") + "}";
  };
  const std::string text = "a-b--c-";
  EXPECT_THAT(split(with("Removed"), text), ElementsAre("a", "b", "c"));
  EXPECT_THAT(split(with("Isolated"), text), ElementsAre("a", "-", "b", "-", "-", "c", "-"));
  EXPECT_THAT(split(with("MergedWithPrevious"), text), ElementsAre("a-", "b-", "-", "c-"));
  EXPECT_THAT(split(with("MergedWithNext"), text), ElementsAre("a", "-b", "-", "-c", "-"));
  EXPECT_THAT(split(with("Contiguous"), text), ElementsAre("a", "-", "b", "--", "c", "-"));
  // Inverted, each "-" is a stretch between matches of its own; the letters are the matches.
  EXPECT_THAT(split(with("Removed", true), text), ElementsAre("-", "-", "-", "-"));
  EXPECT_THAT(split(with("MergedWithPrevious", true), text),
              ElementsAre("a", "-b", "-", "-c", "-"));
  EXPECT_THAT(split(with("Isolated"), ""), ElementsAre());
}

TEST(HfPreTokenizer, SplitKeepsOrigins) {
  auto pieces =
      pre(R"({"type":"Split","pattern":{"Regex":"\\s+"},"behavior":"Removed","invert":false})")
          ->split(NormalizedText::original("é  x"));
  ASSERT_EQ(pieces.size(), 2u);
  EXPECT_THAT(origins(pieces[0]), ElementsAre("0-1", "0-1"));
  EXPECT_THAT(origins(pieces[1]), ElementsAre("3-4"));
}

TEST(HfPreTokenizer, Llama3RegexGroupsDigitsByThree) {
  const std::string json = llama3_split();
  EXPECT_THAT(split(json, "12345"), ElementsAre("123", "45"));
  EXPECT_THAT(split(json, "I'LL pay $3,000.50\n\n ok"),
              ElementsAre("I", "'LL", " pay", " $", "3", ",", "000", ".", "50", "\n\n", " ok"));
  EXPECT_THAT(split(json, "a  b"), ElementsAre("a", " ", " b"));
}

TEST(HfPreTokenizer, ByteLevelSpellsBytesAndGivesContinuationBytesEmptySpans) {
  const auto pieces = pre(R"({"type":"ByteLevel","add_prefix_space":false,"use_regex":true})")
                          ->split(NormalizedText::original("é"));
  ASSERT_EQ(pieces.size(), 1u);
  EXPECT_EQ(pieces[0].text, "Ã©");
  // "Ã" and "©" are two bytes each in UTF-8.
  EXPECT_THAT(origins(pieces[0]), ElementsAre("0-1", "0-1", "1-1", "1-1"));
  EXPECT_EQ(pieces[0].span(2, 4).start, 1);
  EXPECT_TRUE(pieces[0].span(2, 4).empty());
}

TEST(HfPreTokenizer, ByteLevelGpt2RegexAndPrefixSpace) {
  const std::string gpt2 = R"({"type":"ByteLevel","add_prefix_space":false,"trim_offsets":true})";
  EXPECT_THAT(split(gpt2, "Hello world's  end\n"),
              ElementsAre("Hello", "Ġworld", "'s", "Ġ", "Ġend", "Ċ"));
  EXPECT_THAT(split(gpt2, "x 123!?"), ElementsAre("x", "Ġ123", "!?"));
  const std::string prefixed = R"({"type":"ByteLevel","add_prefix_space":true,"use_regex":true})";
  const auto pieces = pre(prefixed)->split(NormalizedText::original("Hi"));
  EXPECT_THAT(texts(pieces), ElementsAre("ĠHi"));
  EXPECT_THAT(origins(pieces[0]), ElementsAre("0-1", "0-1", "0-1", "1-2"));
  EXPECT_THAT(split(prefixed, " Hi"), ElementsAre("ĠHi"));
  EXPECT_THAT(split(R"({"type":"ByteLevel","add_prefix_space":false,"use_regex":false})", "a b"),
              ElementsAre("aĠb"));
}

TEST(HfPreTokenizer, SequenceLikeLlama3) {
  const std::string json = R"({"type":"Sequence","pretokenizers":[)" + llama3_split() +
                           R"(,{"type":"ByteLevel","add_prefix_space":false,"use_regex":false}]})";
  const auto pieces = pre(json)->split(NormalizedText::original("Hi 12345 é"));
  EXPECT_THAT(texts(pieces), ElementsAre("Hi", "Ġ", "123", "45", "ĠÃ©"));
  EXPECT_THAT(origins(pieces[4]), ElementsAre("8-9", "8-9", "9-10", "9-10", "10-10", "10-10"));
}

TEST(HfPreTokenizer, Metaspace) {
  const std::string always =
      R"({"type":"Metaspace","replacement":"▁","prepend_scheme":"always","split":true})";
  EXPECT_THAT(split(always, "Hey  friend"), ElementsAre("▁Hey", "▁", "▁friend"));
  EXPECT_THAT(split(always, " x"), ElementsAre("▁x"));
  const auto pieces = pre(always)->split(NormalizedText::original("ab"));
  EXPECT_THAT(origins(pieces[0]), ElementsAre("0-1", "0-1", "0-1", "0-1", "1-2"));
  const std::string no_split =
      R"({"type":"Metaspace","replacement":"▁","prepend_scheme":"never","split":false})";
  EXPECT_THAT(split(no_split, "a b"), ElementsAre("a▁b"));
  const std::string first =
      R"({"type":"Metaspace","replacement":"▁","prepend_scheme":"first","split":true})";
  EXPECT_THAT(texts(pre(first)->split(NormalizedText::original("a b", 5))), ElementsAre("a", "▁b"));
  EXPECT_THAT(split(first, "a"), ElementsAre("▁a"));
  const std::string legacy = R"({"type":"Metaspace","replacement":"▁","add_prefix_space":false})";
  EXPECT_THAT(split(legacy, "a b"), ElementsAre("a", "▁b"));
}

TEST(HfPreTokenizer, DigitsPunctuationAndWhitespace) {
  EXPECT_THAT(split(R"({"type":"Digits","individual_digits":false})", "ab123c4"),
              ElementsAre("ab", "123", "c", "4"));
  EXPECT_THAT(split(R"({"type":"Digits","individual_digits":true})", "a12"),
              ElementsAre("a", "1", "2"));
  EXPECT_THAT(split(R"({"type":"Punctuation"})", "Hi, you!?"),
              ElementsAre("Hi", ",", " you", "!", "?"));
  EXPECT_THAT(split(R"({"type":"Punctuation","behavior":"Contiguous"})", "a!?b"),
              ElementsAre("a", "!?", "b"));
  EXPECT_THAT(split(R"({"type":"Whitespace"})", "Hey man!! ok_1\u3000é"),
              ElementsAre("Hey", "man", "!!", "ok_1", "é"));
  EXPECT_THAT(split(R"({"type":"WhitespaceSplit"})", " Hey\tman!!\u00a0x "),
              ElementsAre("Hey", "man!!", "x"));
}

TEST(HfComponents, UnsupportedTypesAndBadValuesNameTheSource) {
  EXPECT_THAT(test::error_message([] { pre(R"({"type":"Foo"})"); }),
              HasSubstr("test.json: unsupported pre_tokenizer type 'Foo'"));
  EXPECT_THAT(test::error_message([] { hf::make_normalizer(parse(R"({"type":"Bar"})"), "t.json"); }),
              HasSubstr("t.json: unsupported normalizer type 'Bar'"));
  EXPECT_THAT(
      test::error_message([] { pre(R"({"type":"Split","pattern":{"String":"x"},"behavior":"Sideways"})"); }),
      HasSubstr("Sideways"));
  EXPECT_THAT(
      test::error_message([] { pre(R"({"type":"Metaspace","replacement":"▁","prepend_scheme":"often"})"); }),
      HasSubstr("often"));
  EXPECT_THAT(
      test::error_message([] { pre(R"({"type":"Split","pattern":{"Glob":"*"},"behavior":"Isolated"})"); }),
      HasSubstr("test.json"));
}

TEST(HfComponents, BadRegexQuotesPcre2) {
  const std::string message = test::error_message([] {
    pre(R"({"type":"Split","pattern":{"Regex":"ab(c"},"behavior":"Isolated","invert":false})");
  });
  EXPECT_THAT(message, HasSubstr("test.json"));
  EXPECT_THAT(message, HasSubstr("missing closing parenthesis"));
  EXPECT_THAT(message, HasSubstr("offset 4"));
}

// The fixtures: the reference's tokens, joined, spell the pieces, and no token crosses a piece
// boundary (BPE works inside pieces). Inputs with added-token text, and byte-fallback tokens
// (spelled <0x..>), are skipped.
TEST(HfFixtures, ReferenceTokensRespectPieceBoundaries) {
  const std::filesystem::path root = std::filesystem::path(ATMAN_SHARED_FIXTURES_DIR) / "tokenizers";
  for (const std::string name : {"gpt2", "llama3.2", "qwen2", "phi3-mini"}) {
    const auto dir = root / name;
    ATMAN_REQUIRE_FIXTURE(dir / "cases.jsonl");
    std::ifstream file(dir / "tokenizer.json");
    const auto tokenizer = nlohmann::json::parse(file);
    const auto normalizer = hf::make_normalizer(tokenizer["normalizer"], name);
    const auto pre_tokenizer = hf::make_pre_tokenizer(tokenizer["pre_tokenizer"], name);
    std::ifstream cases(dir / "cases.jsonl");
    int checked = 0;
    for (std::string line; std::getline(cases, line);) {
      const auto c = nlohmann::json::parse(line);
      const std::string text = c["text"];
      if (c["add_special_tokens"] || text.find('<') != std::string::npos) continue;
      if (c["tokens"].dump().find("<0x") != std::string::npos) continue;
      auto normalized = NormalizedText::original(text);
      if (normalizer) normalizer->normalize(normalized);
      std::string joined;
      std::vector<size_t> bounds{0};
      const auto pieces =
          pre_tokenizer ? pre_tokenizer->split(normalized) : std::vector{normalized};
      for (const auto& piece : pieces) bounds.push_back((joined += piece.text).size());
      std::string spelled;
      std::vector<size_t> token_bounds{0};
      for (const auto& t : c["tokens"])
        token_bounds.push_back((spelled += t.get<std::string>()).size());
      ASSERT_EQ(joined, spelled) << name << " case " << c["case"];
      for (size_t b : bounds) {
        EXPECT_TRUE(std::binary_search(token_bounds.begin(), token_bounds.end(), b))
            << name << " case " << c["case"] << ": a token crosses byte " << b;
      }
      ++checked;
    }
    EXPECT_GT(checked, 30) << name;
  }
}

}  // namespace
}  // namespace atman::test
