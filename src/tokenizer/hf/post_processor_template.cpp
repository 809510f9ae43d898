// TemplateProcessing: the "single" template ("$A" with special tokens around it). Special tokens
// are inserted only when add_special_tokens is set, with an empty span at 0 as tokenizers reports
// ([0, 0]). The "pair" template is not used: atman encodes one sequence at a time.
#include <map>

#include "atman/error.hpp"
#include "components.hpp"

namespace atman::hf {
namespace {

// One item of the template: the input sequence, or the tokens of a special token.
struct Piece {
  bool sequence = false;
  std::vector<EncodedToken> special;
};

class TemplateProcessing : public PostProcessor {
 public:
  explicit TemplateProcessing(std::vector<Piece> single) : single_(std::move(single)) {}

  void process(std::vector<EncodedToken>& tokens, bool add_special_tokens) const override {
    if (!add_special_tokens) return;
    std::vector<EncodedToken> out;
    for (const Piece& p : single_) {
      if (p.sequence) {
        out.insert(out.end(), tokens.begin(), tokens.end());
      } else {
        out.insert(out.end(), p.special.begin(), p.special.end());
      }
    }
    tokens = std::move(out);
  }

 private:
  std::vector<Piece> single_;
};

// "special_tokens": {"<s>": {"id": "<s>", "ids": [1], "tokens": ["<s>"]}, ...}
std::map<std::string, std::vector<EncodedToken>> read_special_tokens(const nlohmann::json& j,
                                                                     const std::string& where) {
  std::map<std::string, std::vector<EncodedToken>> out;
  if (!j.contains("special_tokens")) return out;
  const auto& all = j["special_tokens"];
  if (!all.is_object()) throw Error(where + ": \"special_tokens\" must be an object");
  for (auto it = all.begin(); it != all.end(); ++it) {
    const auto& t = it.value();
    const std::string bad = where + ": special token \"" + it.key() + "\"";
    if (!t.is_object() || !t.contains("ids") || !t.contains("tokens") || !t["ids"].is_array() ||
        !t["tokens"].is_array()) {
      throw Error(bad + " needs \"ids\" and \"tokens\" arrays");
    }
    if (t["ids"].size() != t["tokens"].size())
      throw Error(bad + ": \"ids\" and \"tokens\" differ in length");
    std::vector<EncodedToken> tokens;
    for (size_t k = 0; k < t["ids"].size(); ++k) {
      if (!t["ids"][k].is_number_integer() || !t["tokens"][k].is_string()) {
        throw Error(bad + ": ids must be integers and tokens strings");
      }
      tokens.push_back(EncodedToken{t["ids"][k].get<int64_t>(), t["tokens"][k].get<std::string>(),
                                    Span{0, 0}, true});
    }
    out[it.key()] = std::move(tokens);
  }
  return out;
}

}  // namespace

std::unique_ptr<PostProcessor> make_template_processing(const nlohmann::json& j,
                                                        const std::string& where) {
  const auto special = read_special_tokens(j, where);
  if (!j.contains("single") || !j["single"].is_array())
    throw Error(where + ": \"single\" must be an array");
  std::vector<Piece> single;
  for (const auto& item : j["single"]) {
    const std::string bad = where + ": template piece " + item.dump();
    if (!item.is_object() || item.size() != 1)
      throw Error(bad + " must be {\"Sequence\": ...} or {\"SpecialToken\": ...}");
    const std::string kind = item.begin().key();
    const auto& body = item.begin().value();
    if (!body.is_object() || !body.contains("id") || !body["id"].is_string())
      throw Error(bad + " needs an \"id\" string");
    const std::string id = body["id"].get<std::string>();
    if (kind == "Sequence") {
      // A single sequence has only "A"; tokenizers would index past its one encoding for "B".
      if (id != "A") throw Error(bad + ": the single template can only use sequence \"A\"");
      single.push_back(Piece{true, {}});
    } else if (kind == "SpecialToken") {
      const auto found = special.find(id);
      if (found == special.end())
        throw Error(bad + ": no special token \"" + id + "\" in \"special_tokens\"");
      single.push_back(Piece{false, found->second});
    } else {
      throw Error(bad + " must be {\"Sequence\": ...} or {\"SpecialToken\": ...}");
    }
  }
  return std::make_unique<TemplateProcessing>(std::move(single));
}

}  // namespace atman::hf
