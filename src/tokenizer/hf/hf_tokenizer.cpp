#include "hf_tokenizer.hpp"

#include <algorithm>
#include <fstream>

#include "atman/error.hpp"
#include "atman/input_file.hpp"
#include "atman/utf8.hpp"

namespace atman::hf {
namespace {

using nlohmann::json;

json read_json(const std::filesystem::path& path) {
  const std::string text = read_file_capped(path.string(), "tokenizer", int64_t{1} << 30);
  try {
    return json::parse(text);
  } catch (const json::exception& e) {
    throw Error(path.string() + ": malformed JSON: " + e.what());
  }
}

// A special token of tokenizer_config.json: "<s>" or {"content": "<s>", ...}; "" when absent.
std::string config_token(const json& config, const char* name) {
  const auto it = config.find(name);
  if (it == config.end()) return "";
  if (it->is_string()) return it->get<std::string>();
  if (it->is_object() && it->contains("content") && (*it)["content"].is_string())
    return (*it)["content"].get<std::string>();
  return "";
}

// transformers' Llama-class fast tokenizers rebuild the post-processor from add_bos_token and
// add_eos_token (tokenizer_config.json); AutoTokenizer users get that template, so atman does too.
json llama_template(const json& config, const std::string& bos, const std::string& eos,
                    const HfTokenizer& t) {
  const bool add_bos = config.value("add_bos_token", true),
             add_eos = config.value("add_eos_token", false);
  json single = json::array(), special = json::object();
  auto add_special = [&](const std::string& token) {
    const auto id = t.token_to_id(token);
    if (!id) return;
    single.push_back({{"SpecialToken", {{"id", token}, {"type_id", 0}}}});
    special[token] = {{"id", token}, {"ids", {*id}}, {"tokens", {token}}};
  };
  if (add_bos && !bos.empty()) add_special(bos);
  single.push_back({{"Sequence", {{"id", "A"}, {"type_id", 0}}}});
  if (add_eos && !eos.empty()) add_special(eos);
  return {{"type", "TemplateProcessing"},
          {"single", single},
          {"pair", single},
          {"special_tokens", special}};
}

bool rebuilds_template(const json& config) {
  const std::string cls = config.value("tokenizer_class", "");
  const bool llama_class =
      cls.rfind("Llama", 0) == 0 || cls.rfind("CodeLlama", 0) == 0 || cls.rfind("Gemma", 0) == 0;
  return llama_class && (config.contains("add_bos_token") || config.contains("add_eos_token"));
}

}  // namespace

std::shared_ptr<const HfTokenizer> HfTokenizer::load(const std::filesystem::path& tokenizer_json) {
  const std::string source = tokenizer_json.string();
  const json j = read_json(tokenizer_json);
  if (!j.is_object() || !j.contains("model"))
    throw Error(source + ": not a tokenizer.json (no \"model\")");
  auto t = std::make_shared<HfTokenizer>();
  t->model_ = BpeModel::from_json(j["model"], source);
  t->added_ = AddedTokens::from_json(j.value("added_tokens", json()), source);
  t->normalizer_ = make_normalizer(j.value("normalizer", json()), source);
  t->pre_tokenizer_ = make_pre_tokenizer(j.value("pre_tokenizer", json()), source);
  t->post_processor_ = make_post_processor(j.value("post_processor", json()), source);
  t->decoder_ = make_decoder(j.value("decoder", json()), source);
  // "truncation" and "padding" are left out on purpose: transformers turns both off for a plain
  // encode, which is what users of AutoTokenizer get.

  const auto config_path = tokenizer_json.parent_path() / "tokenizer_config.json";
  json config = json::object();
  if (std::filesystem::exists(config_path)) config = read_json(config_path);
  if (!config.is_object()) throw Error(config_path.string() + ": expected a JSON object");
  // Older checkpoints name their special tokens in special_tokens_map.json instead.
  const auto map_path = tokenizer_json.parent_path() / "special_tokens_map.json";
  if (std::filesystem::exists(map_path)) {
    const json map = read_json(map_path);
    if (!map.is_object()) throw Error(map_path.string() + ": expected a JSON object");
    for (const char* name : {"bos_token", "eos_token"}) {
      if (config_token(config, name).empty() && !config_token(map, name).empty()) config[name] = map[name];
    }
  }
  const std::string bos = config_token(config, "bos_token"),
                    eos = config_token(config, "eos_token");
  if (rebuilds_template(config))
    t->post_processor_ = make_post_processor(llama_template(config, bos, eos, *t), source);
  if (!bos.empty()) t->bos_id_ = t->token_to_id(bos).value_or(-1);
  if (!eos.empty()) t->eos_id_ = t->token_to_id(eos).value_or(-1);
  return t;
}

std::vector<EncodedToken> HfTokenizer::encode(const std::string& text, bool add_special_tokens,
                                              bool split_special) const {
  require_valid_utf8(text, "the text");
  std::vector<EncodedToken> tokens;
  for (const TextPiece& piece :
       added_.split(NormalizedText::original(text), normalizer_.get(), split_special)) {
    if (piece.added_id) {
      const AddedToken* added = added_.find(*piece.added_id);
      tokens.push_back({*piece.added_id, piece.text.text,
                        piece.text.span(0, piece.text.text.size()),
                        added != nullptr && added->special});
      continue;
    }
    std::vector<NormalizedText> words;
    if (pre_tokenizer_) {
      words = pre_tokenizer_->split(piece.text);
    } else {
      words.push_back(piece.text);
    }
    for (const NormalizedText& word : words) {
      if (word.empty()) continue;
      for (const ModelToken& m : model_->tokenize(word.text)) {
        tokens.push_back({m.id, m.value, word.span(m.begin, m.end), false});
      }
    }
  }
  // A character two tokens claim (Llama 2's prepended "▁" and the space it marks, both from the
  // first character) belongs to the first: spans never overlap and stay in order.
  int64_t covered = 0;
  for (EncodedToken& t : tokens) {
    t.span.start = std::max(t.span.start, covered);
    t.span.end = std::max(t.span.end, t.span.start);
    covered = t.span.end;
  }
  if (post_processor_) post_processor_->process(tokens, add_special_tokens);
  return tokens;
}

std::string HfTokenizer::decode(const std::vector<int64_t>& ids, bool skip_special_tokens) const {
  std::vector<std::string> strings;
  for (int64_t id : ids) {
    if (const AddedToken* added = added_.find(id)) {
      if (!(skip_special_tokens && added->special)) strings.push_back(added->content);
    } else if (auto token = model_->id_to_token(id)) {
      strings.push_back(*token);
    } else {
      strings.push_back("<id:" + std::to_string(id) + ">");  // no piece: say which id it was
    }
  }
  std::string out;
  if (!decoder_) {
    for (size_t i = 0; i < strings.size(); ++i) out += (i ? " " : "") + strings[i];
    return out;
  }
  for (const auto& s : decoder_->decode_chain(std::move(strings))) out += s;
  return out;
}

std::optional<std::string> HfTokenizer::id_to_token(int64_t id) const {
  if (const AddedToken* added = added_.find(id)) return added->content;
  return model_->id_to_token(id);
}

std::optional<int64_t> HfTokenizer::token_to_id(const std::string& token) const {
  if (auto id = added_.id_of(token)) return id;
  return model_->token_to_id(token);
}

int64_t HfTokenizer::vocab_size() const {
  int64_t n = model_->vocab_size();
  for (const auto& t : added_.all()) n = std::max(n, t.id + 1);
  return n;
}

}  // namespace atman::hf
