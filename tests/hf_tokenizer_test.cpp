// Hugging Face tokenizer.json files against the reference: every case of
// ../shared/fixtures/tokenizers/*/cases.jsonl (ids, decoded text, spans), and the bad inputs.
#include <utf8proc.h>

#include <fstream>
#include <nlohmann/json.hpp>
#include <sstream>

#include "atman/tokenizer.hpp"
#include "atman/utf8.hpp"
#include "support/test_support.hpp"

namespace atman::test {
namespace {

using ::testing::HasSubstr;

const std::filesystem::path kFixtures =
    std::filesystem::path(ATMAN_SHARED_FIXTURES_DIR) / "tokenizers";

std::vector<nlohmann::json> read_cases(const std::filesystem::path& file) {
  std::ifstream in(file);
  std::vector<nlohmann::json> cases;
  for (std::string line; std::getline(in, line);) {
    if (!line.empty()) cases.push_back(nlohmann::json::parse(line));
  }
  return cases;
}

// Tokens that cover whole characters: the reference lets the byte-level pieces of one character
// share (overlap on) its span, where atman gives the character to the piece holding its first
// byte. Compare the tokens whose reference span no neighbour overlaps.
bool comparable_span(const std::string& text, const nlohmann::json& offsets, size_t i) {
  const int64_t start = offsets[i][0], end = offsets[i][1];
  if (start == end) return false;
  // Characters NFC composes (base letter + combining mark) have changed: the reference keeps the
  // base letter's span, atman the whole composed run (so that spans tile the text).
  const std::string after = utf8_substr(text, end, 1);
  if (!after.empty() && utf8proc_get_property(static_cast<utf8proc_int32_t>(utf8_to_u32(after)[0]))
                            ->combining_class) {
    return false;
  }
  if (i > 0 && offsets[i - 1][1].get<int64_t>() > start) return false;
  if (i + 1 < offsets.size() && offsets[i + 1][0].get<int64_t>() < end &&
      offsets[i + 1][0] != offsets[i + 1][1]) {
    return false;
  }
  return true;
}

class HfFixtureTest : public ::testing::TestWithParam<std::string> {};

TEST_P(HfFixtureTest, EveryCaseMatchesTheReference) {
  const auto dir = kFixtures / GetParam();
  ATMAN_REQUIRE_FIXTURE(dir / "cases.jsonl");
  const Tokenizer tok = Tokenizer::load(dir / "tokenizer.json");
  int64_t cases = 0, identical = 0, span_checked = 0, span_equal = 0;
  std::string first_mismatch;
  for (const auto& c : read_cases(dir / "cases.jsonl")) {
    ++cases;
    const std::string text = c["text"];
    const bool add_special = c["add_special_tokens"];
    const auto tokens = tok.encode(text, add_special);
    std::vector<int64_t> ids;
    for (const auto& t : tokens) ids.push_back(t.id);
    const auto expected_ids = c["ids"].get<std::vector<int64_t>>();
    const std::string decoded = tok.decode(expected_ids);
    const std::string decoded_skip = tok.decode(expected_ids, /*skip_special=*/true);
    bool same =
        ids == expected_ids && decoded == c["decoded"] && decoded_skip == c["decoded_skip_special"];
    // Spans tile the text: each token's characters, in order, spell it again.
    std::string spelled;
    for (const auto& t : tokens) spelled += utf8_substr(text, t.start, t.length);
    same = same && spelled == text;
    if (ids == expected_ids) {
      const auto& offsets = c["offsets"];
      for (size_t i = 0; i < tokens.size(); ++i) {
        if (!comparable_span(text, offsets, i)) continue;
        ++span_checked;
        const bool equal =
            tokens[i].start == offsets[i][0] && tokens[i].start + tokens[i].length == offsets[i][1];
        span_equal += equal;
        if (!equal && first_mismatch.empty()) {
          first_mismatch = "case " + std::to_string(c["case"].get<int>()) + " token " +
                           std::to_string(i) + ": span [" + std::to_string(tokens[i].start) + ", " +
                           std::to_string(tokens[i].start + tokens[i].length) + ") vs " +
                           offsets[i].dump();
        }
      }
    }
    identical += same;
    if (!same && first_mismatch.empty()) {
      first_mismatch = "case " + std::to_string(c["case"].get<int>()) + " " +
                       nlohmann::json(text).dump() + ": ids " + nlohmann::json(ids).dump() +
                       " vs " + c["ids"].dump() + ", decoded " + nlohmann::json(decoded).dump() +
                       " vs " + c["decoded"].dump() + ", spelled " + nlohmann::json(spelled).dump();
    }
  }
  std::cout << "[tokenizer " << GetParam() << "] cases " << cases << ", identical " << identical
            << ", spans " << span_equal << "/" << span_checked
            << (first_mismatch.empty() ? "" : ", first mismatch: " + first_mismatch) << "\n";
  EXPECT_EQ(identical, cases) << first_mismatch;
  EXPECT_EQ(span_equal, span_checked) << first_mismatch;
}

std::string test_name(const ::testing::TestParamInfo<std::string>& fixture) {
  std::string name = fixture.param;
  for (char& ch : name) ch = std::isalnum(static_cast<unsigned char>(ch)) ? ch : '_';
  return name;
}

INSTANTIATE_TEST_SUITE_P(Fixtures, HfFixtureTest,
                         ::testing::Values("llama2", "llama3.2", "qwen2", "gpt2", "phi2",
                                           "phi3-mini"),
                         test_name);

// A small tokenizer.json, written per test with one part broken.
nlohmann::json small_tokenizer() {
  return nlohmann::json::parse(R"({
    "version": "1.0", "added_tokens": [], "normalizer": null,
    "pre_tokenizer": {"type": "ByteLevel", "add_prefix_space": false, "trim_offsets": true, "use_regex": true},
    "post_processor": null, "decoder": {"type": "ByteLevel"},
    "model": {"type": "BPE", "vocab": {"a": 0, "b": 1, "ab": 2}, "merges": ["a b"]}})");
}

std::string load_error(const nlohmann::json& j, const std::string& raw = "") {
  TempDir tmp;
  std::ofstream(tmp.path() / "tokenizer.json") << (raw.empty() ? j.dump() : raw);
  return error_message([&] { Tokenizer::load(tmp.path() / "tokenizer.json"); });
}

TEST(HfTokenizerErrorsTest, BadFilesAreOneClearError) {
  EXPECT_THAT(load_error({}, "{\"model\": "), HasSubstr("tokenizer.json: malformed JSON"));
  auto j = small_tokenizer();
  j["model"]["merges"] = {"a c"};
  const std::string unknown_merge = load_error(j);
  EXPECT_THAT(unknown_merge, HasSubstr("tokenizer.json"));
  EXPECT_THAT(unknown_merge, HasSubstr("token \"c\" is not in the vocabulary"));
  j = small_tokenizer();
  j["model"]["type"] = "Unigram";
  EXPECT_THAT(load_error(j), HasSubstr("Unigram"));
  j = small_tokenizer();
  j["pre_tokenizer"] = {{"type", "Split"},
                        {"pattern", {{"Regex", "(unclosed"}}},
                        {"behavior", "Isolated"},
                        {"invert", false}};
  EXPECT_THAT(load_error(j), HasSubstr("tokenizer.json"));
  j = small_tokenizer();
  j["normalizer"] = {{"type", "BertNormalizer"}};
  EXPECT_THAT(load_error(j), HasSubstr("BertNormalizer"));
}

TEST(HfTokenizerConfigTest, LlamaClassConfigRebuildsTheTemplateWithSpecialTokensFromTheMap) {
  TempDir tmp;
  auto j = small_tokenizer();
  j["added_tokens"] = nlohmann::json::parse(R"([{"id": 3, "content": "<s>", "special": true},
                                                {"id": 4, "content": "</s>", "special": true}])");
  std::ofstream(tmp.path() / "tokenizer.json") << j.dump();
  std::ofstream(tmp.path() / "tokenizer_config.json")
      << R"({"tokenizer_class": "LlamaTokenizer", "add_bos_token": true, "add_eos_token": true})";
  std::ofstream(tmp.path() / "special_tokens_map.json") << R"({"bos_token": "<s>", "eos_token": {"content": "</s>"}})";
  const Tokenizer tok = Tokenizer::load(tmp.path() / "tokenizer.json");
  EXPECT_EQ(tok.bos_id(), 3);
  EXPECT_EQ(tok.eos_id(), 4);
  EXPECT_EQ(tok.encode_ids("ab", true), (std::vector<int64_t>{3, 2, 4}));
  EXPECT_EQ(tok.encode_ids("ab", false), (std::vector<int64_t>{2}));
  EXPECT_EQ(tok.decode({3, 2, 4}, /*skip_special=*/true), "ab");
}

TEST(HfTokenizerErrorsTest, InvalidUtf8TextIsRefused) {
  TempDir tmp;
  std::ofstream(tmp.path() / "tokenizer.json") << small_tokenizer().dump();
  const Tokenizer tok = Tokenizer::load(tmp.path() / "tokenizer.json");
  EXPECT_EQ(tok.encode_ids("abab", false), (std::vector<int64_t>{2, 2}));
  EXPECT_THAT(error_message([&] { tok.encode("ab\xff", false); }),
              HasSubstr("not valid UTF-8: byte 0xFF at byte offset 2"));
}

}  // namespace
}  // namespace atman::test
