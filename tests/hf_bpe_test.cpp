// The BPE model, decoders and post-processors of the tokenizer.json loader, on small hand-made
// inputs whose expected outputs follow the Rust `tokenizers` library.
#include <gmock/gmock.h>
#include <gtest/gtest.h>

#include <fstream>
#include <string>
#include <vector>

#include "atman/error.hpp"
#include "support/test_support.hpp"
#include "bpe_model.hpp"
#include "components.hpp"


namespace atman::test {
namespace {

using hf::BpeModel;
using hf::EncodedToken;
using hf::ModelToken;
using nlohmann::json;
using ::testing::AllOf;
using ::testing::HasSubstr;

json vocab_of(const std::vector<std::string>& tokens) {
  json v = json::object();
  for (size_t i = 0; i < tokens.size(); ++i) v[tokens[i]] = i;
  return v;
}

json bpe(const std::vector<std::string>& tokens, json merges) {
  return {{"type", "BPE"}, {"vocab", vocab_of(tokens)}, {"merges", std::move(merges)}};
}

std::vector<std::string> values(const std::vector<ModelToken>& tokens) {
  std::vector<std::string> out;
  for (const auto& t : tokens) out.push_back(t.value);
  return out;
}

std::vector<std::pair<size_t, size_t>> ranges(const std::vector<ModelToken>& tokens) {
  std::vector<std::pair<size_t, size_t>> out;
  for (const auto& t : tokens) out.emplace_back(t.begin, t.end);
  return out;
}

std::string error_of(const json& model) {
  try {
    BpeModel::from_json(model, "tok.json");
  } catch (const Error& e) {
    return e.what();
  }
  return "(no error)";
}

using Pieces = std::vector<std::string>;
using Ranges = std::vector<std::pair<size_t, size_t>>;

TEST(HfBpeTest, LowestRankMergesFirst) {
  const std::vector<std::string> v = {"a", "b", "c", "ab", "bc", "abc"};
  auto right_first = BpeModel::from_json(bpe(v, {"b c", "a b", "a bc"}), "t");
  EXPECT_EQ(values(right_first->tokenize("abc")), Pieces{"abc"});
  auto left_first = BpeModel::from_json(bpe(v, {"a b", "b c"}), "t");
  EXPECT_EQ(values(left_first->tokenize("abc")), (Pieces{"ab", "c"}));
  EXPECT_EQ(ranges(left_first->tokenize("abc")), (Ranges{{0, 2}, {2, 3}}));
  auto right_only = BpeModel::from_json(bpe(v, {"b c", "a b"}), "t");
  EXPECT_EQ(values(right_only->tokenize("abc")), (Pieces{"a", "bc"}));
}

TEST(HfBpeTest, EqualRanksMergeLeftmostFirst) {
  auto m = BpeModel::from_json(bpe({"a", "aa"}, {"a a"}), "t");
  EXPECT_EQ(values(m->tokenize("aaa")), (Pieces{"aa", "a"}));
  EXPECT_EQ(values(m->tokenize("aaaa")), (Pieces{"aa", "aa"}));
  EXPECT_TRUE(m->tokenize("").empty());
}

TEST(HfBpeTest, MergesMayBePairsAndVersionLinesAreSkipped) {
  auto pairs =
      BpeModel::from_json(bpe({"a", "b", "ab"}, json::array({json::array({"a", "b"})})), "t");
  EXPECT_EQ(values(pairs->tokenize("ab")), Pieces{"ab"});
  auto versioned = BpeModel::from_json(bpe({"a", "b", "ab"}, {"#version: 0.2", "a b"}), "t");
  EXPECT_EQ(values(versioned->tokenize("ab")), Pieces{"ab"});
}

TEST(HfBpeTest, MultiByteCharactersKeepTheirByteRanges) {
  auto m = BpeModel::from_json(bpe({"\xC3\xA9", "t", "\xC3\xA9t"}, {"\xC3\xA9 t"}), "t");
  const auto tokens = m->tokenize("t\xC3\xA9t");
  EXPECT_EQ(values(tokens), (Pieces{"t", "\xC3\xA9t"}));
  EXPECT_EQ(ranges(tokens), (Ranges{{0, 1}, {1, 4}}));
  EXPECT_EQ(tokens[1].id, 2);
}

TEST(HfBpeTest, ByteFallbackSpellsUnknownCharactersAsBytes) {
  json model = bpe({"<unk>", "a", "<0xE2>", "<0x82>", "<0xAC>"}, json::array());
  model["unk_token"] = "<unk>";
  model["byte_fallback"] = true;
  auto m = BpeModel::from_json(model, "t");
  const auto tokens = m->tokenize("a\xE2\x82\xAC");  // "a€"
  EXPECT_EQ(values(tokens), (Pieces{"a", "<0xE2>", "<0x82>", "<0xAC>"}));
  EXPECT_EQ(ranges(tokens), (Ranges{{0, 1}, {1, 2}, {2, 3}, {3, 4}}));
  // A character with a byte missing from the vocabulary falls back to unk_token.
  EXPECT_EQ(values(m->tokenize("\xC3\xA9")), Pieces{"<unk>"});
}

TEST(HfBpeTest, UnknownCharactersFuseOnlyWithFuseUnk) {
  json model = bpe({"<unk>", "a", "b"}, json::array());
  model["unk_token"] = "<unk>";
  auto separate = BpeModel::from_json(model, "t");
  EXPECT_EQ(values(separate->tokenize("accb")), (Pieces{"a", "<unk>", "<unk>", "b"}));
  EXPECT_EQ(ranges(separate->tokenize("accb")), (Ranges{{0, 1}, {1, 2}, {2, 3}, {3, 4}}));
  model["fuse_unk"] = true;
  auto fused = BpeModel::from_json(model, "t");
  EXPECT_EQ(values(fused->tokenize("accb")), (Pieces{"a", "<unk>", "b"}));
  EXPECT_EQ(ranges(fused->tokenize("accb")), (Ranges{{0, 1}, {1, 3}, {3, 4}}));
}

TEST(HfBpeTest, WithoutUnkTokenUnknownCharactersAreDropped) {
  auto m = BpeModel::from_json(bpe({"a", "b"}, json::array()), "t");
  EXPECT_EQ(values(m->tokenize("axb")), (Pieces{"a", "b"}));
}

TEST(HfBpeTest, IgnoreMergesTakesAWholeWordFromTheVocabulary) {
  json model = bpe({"a", "b", "ba", "aba"}, {"b a"});
  auto merging = BpeModel::from_json(model, "t");
  EXPECT_EQ(values(merging->tokenize("aba")), (Pieces{"a", "ba"}));
  model["ignore_merges"] = true;
  auto whole = BpeModel::from_json(model, "t");
  EXPECT_EQ(values(whole->tokenize("aba")), Pieces{"aba"});
  EXPECT_EQ(ranges(whole->tokenize("aba")), (Ranges{{0, 3}}));
  EXPECT_EQ(values(whole->tokenize("abab")), (Pieces{"a", "ba", "b"}));
}

TEST(HfBpeTest, ContinuingSubwordPrefixAndEndOfWordSuffix) {
  json prefixed = bpe({"a", "##b", "##c", "ab", "abc"}, {"a ##b", "ab ##c"});
  prefixed["continuing_subword_prefix"] = "##";
  auto p = BpeModel::from_json(prefixed, "t");
  EXPECT_EQ(values(p->tokenize("abc")), Pieces{"abc"});
  EXPECT_EQ(values(p->tokenize("ab")), Pieces{"ab"});

  json suffixed = bpe({"a", "b", "b</w>", "ab</w>"}, {"a b</w>"});
  suffixed["end_of_word_suffix"] = "</w>";
  auto s = BpeModel::from_json(suffixed, "t");
  EXPECT_EQ(values(s->tokenize("ab")), Pieces{"ab</w>"});
  EXPECT_EQ(values(s->tokenize("bab")), (Pieces{"b", "ab</w>"}));
}

TEST(HfBpeTest, RepeatedWordsComeFromTheCacheUnchanged) {
  auto m = BpeModel::from_json(bpe({"a", "b", "ab"}, {"a b"}), "t");
  const auto first = m->tokenize("abab");
  const auto second = m->tokenize("abab");
  EXPECT_EQ(values(first), values(second));
  EXPECT_EQ(ranges(first), ranges(second));
}

TEST(HfBpeTest, VocabularyLookups) {
  auto m = BpeModel::from_json(bpe({"a", "b", "ab"}, {"a b"}), "t");
  EXPECT_EQ(m->token_to_id("ab"), 2);
  EXPECT_EQ(m->token_to_id("zz"), std::nullopt);
  EXPECT_EQ(m->id_to_token(1), "b");
  EXPECT_EQ(m->id_to_token(7), std::nullopt);
  EXPECT_EQ(m->vocab_size(), 3);
}

TEST(HfBpeTest, TypeMayBeAbsentButNotAnotherModel) {
  json untyped = bpe({"a"}, json::array());
  untyped.erase("type");
  EXPECT_EQ(BpeModel::from_json(untyped, "t")->vocab_size(), 1);
  json other = bpe({"a"}, json::array());
  other["type"] = "WordPiece";
  EXPECT_THAT(error_of(other), AllOf(HasSubstr("tok.json"), HasSubstr("WordPiece")));
}

TEST(HfBpeTest, RefusesBadMergesDropoutAndUnkToken) {
  EXPECT_THAT(error_of(bpe({"a", "b", "ab"}, {"a d"})),
              AllOf(HasSubstr("tok.json"), HasSubstr("\"d\""), HasSubstr("not in the vocabulary")));
  EXPECT_THAT(error_of(bpe({"a", "b"}, {"a b"})),
              AllOf(HasSubstr("tok.json"), HasSubstr("\"ab\"")));
  EXPECT_THAT(error_of(bpe({"a", "b", "ab"}, {"a b c"})),
              AllOf(HasSubstr("tok.json"), HasSubstr("a b c")));
  EXPECT_THAT(error_of(bpe({"a"}, {"a"})), HasSubstr("tok.json"));
  json dropout = bpe({"a"}, json::array());
  dropout["dropout"] = 0.1;
  EXPECT_THAT(error_of(dropout), AllOf(HasSubstr("tok.json"), HasSubstr("dropout")));
  dropout["dropout"] = 0.0;  // the same as none
  EXPECT_EQ(error_of(dropout), "(no error)");
  json unk = bpe({"a"}, json::array());
  unk["unk_token"] = "<unk>";
  EXPECT_THAT(error_of(unk), AllOf(HasSubstr("tok.json"), HasSubstr("<unk>")));
}

// --- decoders ---

std::string decode(const json& decoder, std::vector<std::string> tokens) {
  std::string out;
  for (const auto& s : hf::make_decoder(decoder, "tok.json")->decode_chain(std::move(tokens)))
    out += s;
  return out;
}

std::vector<std::string> chain(const json& decoder, std::vector<std::string> tokens) {
  return hf::make_decoder(decoder, "tok.json")->decode_chain(std::move(tokens));
}

TEST(HfDecoderTest, ByteLevelMapsTheAlphabetBackToBytes) {
  const json d = {{"type", "ByteLevel"}};
  EXPECT_EQ(decode(d, {"Hello", "\xC4\xA0world", "\xC4\x8A"}), "Hello world\n");  // Ġ, Ċ
  // "é" split over two tokens joins up; a lone continuation byte becomes U+FFFD.
  EXPECT_EQ(decode(d, {"\xC3\x83", "\xC2\xA9"}), "\xC3\xA9");
  EXPECT_EQ(decode(d, {"\xC2\xA9", "a"}),
            "\xEF\xBF\xBD"
            "a");
  // A token with a character outside the alphabet keeps its own bytes.
  EXPECT_EQ(decode(d, {"<|eot_id|>", "\xC4\xA0x", "\xE2\x96\x81"}), "<|eot_id|> x\xE2\x96\x81");
  EXPECT_EQ(chain(d, {"a", "b"}).size(), 1u);
}

TEST(HfDecoderTest, ByteLevelReplacesEachMaximalInvalidSequence) {
  const json d = {{"type", "ByteLevel"}};
  // Bytes E2 82 then 'a': one U+FFFD for the truncated sequence (from_utf8_lossy).
  EXPECT_EQ(decode(d, {"\xC3\xA2\xC4\xA2", "a"}),
            "\xEF\xBF\xBD"
            "a");
}

TEST(HfDecoderTest, MetaspaceDropsTheFirstTokensReplacementUnlessNever) {
  const std::string bar = "\xE2\x96\x81";
  const json always = {{"type", "Metaspace"}, {"replacement", bar}, {"prepend_scheme", "always"}};
  EXPECT_EQ(chain(always, {bar + "Hey", bar + "friend!"}),
            (std::vector<std::string>{"Hey", " friend!"}));
  EXPECT_EQ(chain(always, {bar + "a" + bar}),
            (std::vector<std::string>{"a"}));  // every one, as Rust does
  const json never = {{"type", "Metaspace"}, {"replacement", bar}, {"prepend_scheme", "never"}};
  EXPECT_EQ(decode(never, {bar + "Hey", bar + "friend!"}), " Hey friend!");
  const json legacy = {{"type", "Metaspace"}, {"replacement", bar}, {"add_prefix_space", false}};
  EXPECT_EQ(decode(legacy, {bar + "Hey"}), " Hey");
}

TEST(HfDecoderTest, ReplaceStringAndRegex) {
  const json literal = {
      {"type", "Replace"}, {"pattern", {{"String", "\xE2\x96\x81"}}}, {"content", " "}};
  EXPECT_EQ(chain(literal, {"\xE2\x96\x81"
                            "a\xE2\x96\x81\xE2\x96\x81",
                            "b"}),
            (std::vector<std::string>{" a  ", "b"}));
  const json dots = {{"type", "Replace"}, {"pattern", {{"String", "."}}}, {"content", "!"}};
  EXPECT_EQ(decode(dots, {"a.b"}), "a!b");  // plain text, not a regex
  const json regex = {{"type", "Replace"}, {"pattern", {{"Regex", "[0-9]+"}}}, {"content", "#"}};
  EXPECT_EQ(chain(regex, {"a12b3", "x"}), (std::vector<std::string>{"a#b#", "x"}));
}

TEST(HfDecoderTest, ByteFallbackTurnsByteRunsIntoText) {
  const json d = {{"type", "ByteFallback"}};
  EXPECT_EQ(chain(d, {"a", "<0xE2>", "<0x82>", "<0xAC>", "b"}),
            (std::vector<std::string>{"a", "\xE2\x82\xAC", "b"}));
  // Not valid UTF-8: one U+FFFD per byte.
  EXPECT_EQ(chain(d, {"<0xE2>", "<0x82>", "c"}),
            (std::vector<std::string>{"\xEF\xBF\xBD", "\xEF\xBF\xBD", "c"}));
  EXPECT_EQ(chain(d, {"<0x41>"}), std::vector<std::string>{"A"});
  EXPECT_EQ(chain(d, {"<0x4g>", "<0x041>"}), (std::vector<std::string>{"<0x4g>", "<0x041>"}));
}

TEST(HfDecoderTest, FuseAndStrip) {
  EXPECT_EQ(chain({{"type", "Fuse"}}, {"a", "b", "c"}), std::vector<std::string>{"abc"});
  const json strip = {{"type", "Strip"}, {"content", " "}, {"start", 1}, {"stop", 2}};
  EXPECT_EQ(chain(strip, {"  a   ", " ", "b"}), (std::vector<std::string>{" a ", "", "b"}));
}

TEST(HfDecoderTest, SequenceAsInLlama2) {
  const json d = {
      {"type", "Sequence"},
      {"decoders",
       {{{"type", "Replace"}, {"pattern", {{"String", "\xE2\x96\x81"}}}, {"content", " "}},
        {{"type", "ByteFallback"}},
        {{"type", "Fuse"}},
        {{"type", "Strip"}, {"content", " "}, {"start", 1}, {"stop", 0}}}}};
  EXPECT_EQ(decode(d, {"\xE2\x96\x81Hello", "\xE2\x96\x81world", "<0x21>"}), "Hello world!");
}

TEST(HfDecoderTest, NullIsNoDecoderAndUnknownTypesAreRefused) {
  EXPECT_TRUE(hf::make_decoder(json(), "tok.json") == nullptr);
  try {
    hf::make_decoder({{"type", "WordPiece"}}, "tok.json");
    FAIL() << "no error";
  } catch (const Error& e) {
    EXPECT_THAT(e.what(), AllOf(HasSubstr("tok.json"), HasSubstr("WordPiece")));
  }
}

// --- post-processors ---

std::vector<EncodedToken> sample() {
  return {{9906, "Hello", {0, 5}, false}, {1917, "\xC4\xA0world", {5, 11}, false}};
}

json llama3_template() {
  return {
      {"type", "TemplateProcessing"},
      {"single",
       {{{"SpecialToken", {{"id", "<|begin_of_text|>"}, {"type_id", 0}}}},
        {{"Sequence", {{"id", "A"}, {"type_id", 0}}}}}},
      {"special_tokens",
       {{"<|begin_of_text|>",
         {{"id", "<|begin_of_text|>"}, {"ids", {128000}}, {"tokens", {"<|begin_of_text|>"}}}}}}};
}

TEST(HfPostProcessorTest, TemplateAddsSpecialTokensOnlyWhenAsked) {
  auto p = hf::make_post_processor(llama3_template(), "tok.json");
  auto with = sample();
  p->process(with, true);
  ASSERT_EQ(with.size(), 3u);
  EXPECT_EQ(with[0].id, 128000);
  EXPECT_EQ(with[0].value, "<|begin_of_text|>");
  EXPECT_TRUE(with[0].span == (hf::Span{0, 0}));
  EXPECT_TRUE(with[0].special);
  EXPECT_EQ(with[1].id, 9906);
  EXPECT_FALSE(with[1].special);
  auto without = sample();
  p->process(without, false);
  ASSERT_EQ(without.size(), 2u);
  EXPECT_EQ(without[0].id, 9906);
}

TEST(HfPostProcessorTest, TemplateNamesItsMissingSpecialToken) {
  json t = llama3_template();
  t["special_tokens"] = json::object();
  try {
    hf::make_post_processor(t, "tok.json");
    FAIL() << "no error";
  } catch (const Error& e) {
    EXPECT_THAT(e.what(), AllOf(HasSubstr("tok.json"), HasSubstr("<|begin_of_text|>")));
  }
}

TEST(HfPostProcessorTest, ByteLevelTrimsSpacesFromSpansOnlyWithTrimOffsets) {
  auto keep = hf::make_post_processor(
      {{"type", "ByteLevel"}, {"add_prefix_space", true}, {"trim_offsets", false}}, "t");
  auto tokens = sample();
  keep->process(tokens, true);
  EXPECT_TRUE(tokens[1].span == (hf::Span{5, 11}));
  auto trim = hf::make_post_processor(
      {{"type", "ByteLevel"}, {"add_prefix_space", false}, {"trim_offsets", true}}, "t");
  tokens = sample();
  trim->process(tokens, true);
  EXPECT_TRUE(tokens[0].span == (hf::Span{0, 5}));
  EXPECT_TRUE(tokens[1].span == (hf::Span{6, 11}));
  std::vector<EncodedToken> trailing = {{1, "a\xC4\xA0\xC4\xA0", {0, 3}, false}};
  trim->process(trailing, true);
  EXPECT_TRUE(trailing[0].span == (hf::Span{0, 1}));
}

TEST(HfPostProcessorTest, SequenceRunsEachProcessor) {
  json seq = {{"type", "Sequence"},
              {"processors",
               {{{"type", "ByteLevel"}, {"add_prefix_space", true}, {"trim_offsets", false}},
                llama3_template()}}};
  auto p = hf::make_post_processor(seq, "tok.json");
  auto tokens = sample();
  p->process(tokens, true);
  ASSERT_EQ(tokens.size(), 3u);
  EXPECT_EQ(tokens[0].id, 128000);
}

TEST(HfPostProcessorTest, RefusesEncoderProcessorsAndUnknownTypes) {
  EXPECT_TRUE(hf::make_post_processor(json(), "tok.json") == nullptr);
  for (const char* type : {"RobertaProcessing", "BertProcessing", "Mystery"}) {
    try {
      hf::make_post_processor({{"type", type}}, "tok.json");
      FAIL() << "no error for " << type;
    } catch (const Error& e) {
      EXPECT_THAT(e.what(), AllOf(HasSubstr("tok.json"), HasSubstr(type)));
    }
  }
}

// --- a real file ---

TEST(HfBpeTest, Llama32ModelGivesTheReferenceIdForAPlainWord) {
  const std::string dir = std::string(ATMAN_SHARED_FIXTURES_DIR) + "/tokenizers/llama3.2";
  ATMAN_REQUIRE_FIXTURE(dir + "/tokenizer.json");
  std::ifstream file(dir + "/tokenizer.json");
  const json j = json::parse(file);
  auto model = BpeModel::from_json(j["model"], dir + "/tokenizer.json");

  // The reference's tokens for "Hello world" (without special tokens) give the expected ids.
  std::ifstream cases(dir + "/cases.jsonl");
  json reference;
  for (std::string line; std::getline(cases, line);) {
    const json c = json::parse(line);
    if (c["text"] == "Hello world" && c["add_special_tokens"] == false) reference = c;
  }
  ASSERT_FALSE(reference.is_null());
  ASSERT_EQ(reference["tokens"][0], "Hello");
  const auto hello = model->tokenize("Hello");
  ASSERT_EQ(hello.size(), 1u);
  EXPECT_EQ(hello[0].id, reference["ids"][0].get<int64_t>());
  const auto world = model->tokenize("\xC4\xA0world");
  ASSERT_EQ(world.size(), 1u);
  EXPECT_EQ(world[0].id, reference["ids"][1].get<int64_t>());
  // A word not in the vocabulary goes through the merges.
  const auto long_word = model->tokenize("Supercalifragilisticexpialidocious");
  EXPECT_GT(long_word.size(), 1u);
  EXPECT_EQ(long_word.back().end, 34u);
}

}  // namespace
}  // namespace atman::test
