// Builds a normalizer from its tokenizer.json object.
#include "atman/error.hpp"
#include "components.hpp"
#include "normalizers.hpp"

namespace atman::hf {
namespace {

class SequenceNormalizer : public Normalizer {
 public:
  explicit SequenceNormalizer(std::vector<std::unique_ptr<Normalizer>> steps)
      : steps_(std::move(steps)) {}

  void normalize(NormalizedText& text) const override {
    for (const auto& step : steps_) step->normalize(text);
  }

 private:
  std::vector<std::unique_ptr<Normalizer>> steps_;
};

const nlohmann::json& field(const nlohmann::json& j, const char* name, const std::string& type,
                            const std::string& source) {
  if (!j.contains(name)) throw Error(source + ": normalizer " + type + " has no '" + name + "'");
  return j[name];
}

std::string string_field(const nlohmann::json& j, const char* name, const std::string& type,
                         const std::string& source) {
  const auto& value = field(j, name, type, source);
  if (!value.is_string())
    throw Error(source + ": normalizer " + type + ": '" + name + "' is not a string");
  return value.get<std::string>();
}

bool bool_field(const nlohmann::json& j, const char* name, bool fallback, const std::string& type,
                const std::string& source) {
  if (!j.contains(name) || j[name].is_null()) return fallback;
  if (!j[name].is_boolean())
    throw Error(source + ": normalizer " + type + ": '" + name + "' is not a boolean");
  return j[name].get<bool>();
}

}  // namespace

std::unique_ptr<Normalizer> make_normalizer(const nlohmann::json& j, const std::string& source) {
  if (j.is_null()) return nullptr;
  if (!j.is_object() || !j.contains("type") || !j["type"].is_string()) {
    throw Error(source + ": normalizer without a \"type\": " + j.dump().substr(0, 200));
  }
  const std::string type = j["type"].get<std::string>();
  if (type == "Sequence") {
    const auto& list = field(j, "normalizers", type, source);
    if (!list.is_array())
      throw Error(source + ": normalizer Sequence: 'normalizers' is not a list");
    std::vector<std::unique_ptr<Normalizer>> steps;
    for (const auto& step : list) {
      if (auto made = make_normalizer(step, source)) steps.push_back(std::move(made));
    }
    return std::make_unique<SequenceNormalizer>(std::move(steps));
  }
  if (type == "NFC") return make_unicode_normalizer(UnicodeForm::NFC);
  if (type == "NFD") return make_unicode_normalizer(UnicodeForm::NFD);
  if (type == "NFKC") return make_unicode_normalizer(UnicodeForm::NFKC);
  if (type == "NFKD") return make_unicode_normalizer(UnicodeForm::NFKD);
  if (type == "Prepend") return make_prepend_normalizer(string_field(j, "prepend", type, source));
  if (type == "Replace") {
    auto pattern = regex_from_json(field(j, "pattern", type, source), "normalizer Replace", source);
    return make_replace_normalizer(std::move(pattern), string_field(j, "content", type, source));
  }
  if (type == "Lowercase") return make_lowercase_normalizer();
  if (type == "Strip") {
    return make_strip_normalizer(bool_field(j, "strip_left", true, type, source),
                                 bool_field(j, "strip_right", true, type, source));
  }
  throw Error(source + ": unsupported normalizer type '" + type + "'");
}

}  // namespace atman::hf
