// The SentencePiece tokenizer of the embedded model, with character spans.
#include "atman/tokenizer.hpp"

#include "atman/utf8.hpp"

#include "support/test_support.hpp"

namespace atman::test {
namespace {

using ::testing::HasSubstr;

class TokenizerTest : public SeededTest {
 protected:
  Tokenizer tok = Tokenizer::load(std::filesystem::path(ATMAN_EMBEDDED_MODEL_DIR) / "tokenizer.model");
};

TEST_F(TokenizerTest, SpecialIdsMatchTheModelCard) {
  EXPECT_EQ(tok.vocab_size(), 512);
  EXPECT_EQ(tok.bos_id(), 1);
  EXPECT_EQ(tok.eos_id(), 2);
  EXPECT_EQ(tok.piece(1), "<s>");
}

TEST_F(TokenizerTest, BosIsPrependedWithAnEmptySpan) {
  auto tokens = tok.encode("Tom", true);
  ASSERT_GE(tokens.size(), 2u);
  EXPECT_EQ(tokens[0].id, 1);
  EXPECT_EQ(tokens[0].length, 0);
  EXPECT_NE(tok.encode("Tom", false)[0].id, 1);
}

TEST_F(TokenizerTest, SpansTileTheTextAndSpellEachPiece) {
  const std::string text = "Once upon a time, there was a little boy named Tom. One day,";
  auto tokens = tok.encode(text, false);
  int64_t next = 0;
  for (const auto& t : tokens) {
    EXPECT_EQ(t.start, next) << t.piece;
    next = t.start + t.length;
    // A piece spells its span, with "▁" standing for a space.
    std::string spelled = t.piece;
    for (size_t at; (at = spelled.find("\xE2\x96\x81")) != std::string::npos;) spelled.replace(at, 3, " ");
    EXPECT_EQ(text.substr(static_cast<size_t>(t.byte_start), static_cast<size_t>(t.byte_length)),
              t.start == 0 && spelled[0] == ' ' ? spelled.substr(1) : spelled);
  }
  EXPECT_EQ(next, static_cast<int64_t>(text.size()));
}

TEST_F(TokenizerTest, MultiByteCharactersCountAsOneCharacter) {
  const std::string text = "caf\xC3\xA9 na\xC3\xAFve";  // "café naïve": 10 characters, 12 bytes
  auto tokens = tok.encode(text, false);
  int64_t chars = 0, bytes = 0;
  for (const auto& t : tokens) {
    chars = std::max(chars, t.start + t.length);
    bytes = std::max(bytes, t.byte_start + t.byte_length);
  }
  EXPECT_EQ(chars, 10);
  EXPECT_EQ(bytes, 12);
  std::vector<int64_t> ids;
  for (const auto& t : tokens) ids.push_back(t.id);
  EXPECT_EQ(tok.decode(ids), text);  // byte fallback round-trips
}

TEST_F(TokenizerTest, DecodeInvertsEncode) {
  const std::string text = "Lily's mom said, \"Lily, let\nus go.\"";
  EXPECT_EQ(tok.decode(tok.encode_ids(text, true)), text);
}

TEST_F(TokenizerTest, IdsWithoutAPieceDecodeAsPlaceholders) {
  // A model vocabulary padded past the tokenizer's 512 pieces (the llama-25m presets).
  const auto ids = tok.encode_ids("Tom ran", false);
  std::vector<int64_t> padded = ids;
  padded.push_back(700);
  padded.insert(padded.end(), ids.begin(), ids.end());
  EXPECT_EQ(tok.decode(padded), "Tom ran<id:700> Tom ran");
}

TEST_F(TokenizerTest, SpansOfALongTextAreExactAndAnOversizedTextIsJudgedByItsPrefix) {
  // Spans are counted incrementally; multi-byte characters far into the text must still count once.
  std::string text;
  for (int i = 0; i < 2000; ++i) text += "Lily saw a caf\u00e9. ";
  text.pop_back();  // SentencePiece drops trailing whitespace
  const auto tokens = tok.encode(text, false);
  const auto& last = tokens.back();
  EXPECT_EQ(last.start + last.length, count_code_points(text));
  EXPECT_EQ(utf8_substr(text, last.start, last.length), text.substr(static_cast<size_t>(last.byte_start)));
  EXPECT_TRUE(tok.surely_longer_than(text, 512));
  EXPECT_FALSE(tok.surely_longer_than("Lily saw a cat.", 512));
  EXPECT_FALSE(tok.surely_longer_than(text, static_cast<int64_t>(tokens.size())));
}

TEST_F(TokenizerTest, MissingAndCorruptFilesAreReported) {
  TempDir tmp;
  EXPECT_THAT(error_message([&] { Tokenizer::load(tmp.path() / "tokenizer.model"); }),
              HasSubstr("tokenizer file not found"));
  std::ofstream(tmp.path() / "bad.model") << "garbage";
  EXPECT_THAT(error_message([&] { Tokenizer::load(tmp.path() / "bad.model"); }),
              HasSubstr("bad.model: not a valid SentencePiece model"));
}

}  // namespace
}  // namespace atman::test
