// Builds a pre-tokenizer from its tokenizer.json object.
#include "atman/error.hpp"
#include "components.hpp"
#include "pre_tokenizers.hpp"

namespace atman::hf {
namespace {

class SequencePreTokenizer : public PreTokenizer {
 public:
  explicit SequencePreTokenizer(std::vector<std::unique_ptr<PreTokenizer>> steps)
      : steps_(std::move(steps)) {}

  std::vector<NormalizedText> split(const NormalizedText& piece) const override {
    std::vector<NormalizedText> pieces;
    if (!piece.empty()) pieces.push_back(piece);
    for (const auto& step : steps_) {
      std::vector<NormalizedText> next;
      for (const auto& p : pieces) {
        for (auto& part : step->split(p)) next.push_back(std::move(part));
      }
      pieces = std::move(next);
    }
    return pieces;
  }

 private:
  std::vector<std::unique_ptr<PreTokenizer>> steps_;
};

bool bool_field(const nlohmann::json& j, const char* name, bool fallback, const std::string& type,
                const std::string& source) {
  if (!j.contains(name) || j[name].is_null()) return fallback;
  if (!j[name].is_boolean()) {
    throw Error(source + ": pre_tokenizer " + type + ": '" + name + "' is not a boolean");
  }
  return j[name].get<bool>();
}

SplitBehavior behavior_field(const nlohmann::json& j, SplitBehavior fallback,
                             const std::string& type, const std::string& source) {
  if (!j.contains("behavior") || j["behavior"].is_null()) return fallback;
  return parse_split_behavior(j["behavior"], type, source);
}

// The one character of a Metaspace `replacement`.
char32_t single_char(const nlohmann::json& j, const std::string& source) {
  if (j.is_string()) {
    const std::string s = j.get<std::string>();
    char32_t only = 0;
    int count = 0;
    for_each_char(s, [&](char32_t c, size_t, size_t) {
      only = c;
      ++count;
    });
    if (count == 1) return only;
  }
  throw Error(source + ": pre_tokenizer Metaspace: 'replacement' must be one character, got " +
              j.dump());
}

PrependScheme prepend_scheme(const nlohmann::json& j, const std::string& source) {
  if (j.contains("prepend_scheme") && !j["prepend_scheme"].is_null()) {
    const auto& v = j["prepend_scheme"];
    const std::string name = v.is_string() ? v.get<std::string>() : v.dump();
    if (name == "always") return PrependScheme::Always;
    if (name == "first") return PrependScheme::First;
    if (name == "never") return PrependScheme::Never;
    throw Error(source + ": unsupported prepend_scheme '" + name + "' in pre_tokenizer Metaspace");
  }
  // Files written before prepend_scheme existed say add_prefix_space (default true).
  return bool_field(j, "add_prefix_space", true, "Metaspace", source) ? PrependScheme::Always
                                                                      : PrependScheme::Never;
}

}  // namespace

std::unique_ptr<PreTokenizer> make_pre_tokenizer(const nlohmann::json& j,
                                                 const std::string& source) {
  if (j.is_null()) return nullptr;
  if (!j.is_object() || !j.contains("type") || !j["type"].is_string()) {
    throw Error(source + ": pre_tokenizer without a \"type\": " + j.dump().substr(0, 200));
  }
  const std::string type = j["type"].get<std::string>();
  if (type == "Sequence") {
    if (!j.contains("pretokenizers") || !j["pretokenizers"].is_array()) {
      throw Error(source + ": pre_tokenizer Sequence has no 'pretokenizers' list");
    }
    std::vector<std::unique_ptr<PreTokenizer>> steps;
    for (const auto& step : j["pretokenizers"]) {
      if (auto made = make_pre_tokenizer(step, source)) steps.push_back(std::move(made));
    }
    return std::make_unique<SequencePreTokenizer>(std::move(steps));
  }
  if (type == "Split") {
    if (!j.contains("pattern")) throw Error(source + ": pre_tokenizer Split has no 'pattern'");
    if (!j.contains("behavior")) throw Error(source + ": pre_tokenizer Split has no 'behavior'");
    return make_split_pre_tokenizer(regex_from_json(j["pattern"], "pre_tokenizer Split", source),
                                    parse_split_behavior(j["behavior"], type, source),
                                    bool_field(j, "invert", false, type, source));
  }
  if (type == "ByteLevel") {
    // trim_offsets only matters to the post-processor.
    return make_byte_level_pre_tokenizer(bool_field(j, "add_prefix_space", true, type, source),
                                         bool_field(j, "use_regex", true, type, source));
  }
  if (type == "Metaspace") {
    const char32_t replacement =
        j.contains("replacement") ? single_char(j["replacement"], source) : U'\u2581';
    return make_metaspace_pre_tokenizer(replacement, prepend_scheme(j, source),
                                        bool_field(j, "split", true, type, source));
  }
  if (type == "Digits")
    return make_digits_pre_tokenizer(bool_field(j, "individual_digits", false, type, source));
  if (type == "Punctuation") {
    return make_punctuation_pre_tokenizer(behavior_field(j, SplitBehavior::Isolated, type, source));
  }
  if (type == "Whitespace") return make_whitespace_pre_tokenizer();
  if (type == "WhitespaceSplit") return make_whitespace_split_pre_tokenizer();
  throw Error(source + ": unsupported pre_tokenizer type '" + type + "'");
}

}  // namespace atman::hf
