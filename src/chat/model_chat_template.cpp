// Finding a model's chat template and special tokens in its directory, as transformers does.

#include "atman/chat_template.hpp"
#include "atman/input_file.hpp"

namespace atman {
namespace {

using nlohmann::ordered_json;

// tokenizer_config.json, or null when the model has none.
ordered_json read_tokenizer_config(const std::filesystem::path& model_dir) {
  const std::filesystem::path file = model_dir / "tokenizer_config.json";
  if (!std::filesystem::exists(file)) return nullptr;
  const std::string text = read_file_capped(file.string(), "tokenizer config", kMaxTextFileBytes);
  ordered_json config;
  try {
    config = ordered_json::parse(text);
  } catch (const ordered_json::exception& e) {
    throw Error(file.string() + ": malformed JSON: " + e.what());
  }
  if (!config.is_object()) throw Error(file.string() + ": expected a JSON object");
  return config;
}

// "chat_template" as a string, or the entry named `template_name` of a list of {name, template}.
std::optional<std::string> configured_template(const ordered_json& config,
                                               const std::string& template_name,
                                               const std::string& file) {
  if (!config.is_object() || !config.contains("chat_template") || config["chat_template"].is_null())
    return std::nullopt;
  const ordered_json& value = config["chat_template"];
  if (value.is_string()) return value.get<std::string>();
  if (!value.is_array())
    throw Error(file + ": chat_template must be a string or a list of {\"name\", \"template\"}");
  std::string names;
  for (const auto& entry : value) {
    if (!entry.is_object() || !entry.contains("name") || !entry.contains("template") ||
        !entry["name"].is_string() || !entry["template"].is_string()) {
      throw Error(file + ": each chat_template entry needs a string \"name\" and \"template\"");
    }
    if (entry["name"] == template_name) return entry["template"].get<std::string>();
    names += (names.empty() ? "" : ", ") + entry["name"].get<std::string>();
  }
  throw Error(file + ": no chat template named '" + template_name + "' (it has: " + names + ")");
}

}  // namespace

std::optional<ChatTemplate> load_model_chat_template(const std::filesystem::path& model_dir,
                                                     const std::string& template_name) {
  const std::filesystem::path jinja_file = model_dir / "chat_template.jinja";
  if (std::filesystem::exists(jinja_file)) {
    const std::string source =
        read_file_capped(jinja_file.string(), "chat template", kMaxTextFileBytes);
    return ChatTemplate::parse(source, jinja_file.string());
  }
  const std::string config_file = (model_dir / "tokenizer_config.json").string();
  const auto source =
      configured_template(read_tokenizer_config(model_dir), template_name, config_file);
  if (!source) return std::nullopt;
  return ChatTemplate::parse(*source, config_file + " chat_template");
}

nlohmann::json load_special_tokens(const std::filesystem::path& model_dir) {
  static const char* const kTokenNames[] = {"bos_token", "eos_token", "unk_token", "sep_token",
                                            "pad_token", "cls_token", "mask_token"};
  const ordered_json config = read_tokenizer_config(model_dir);
  nlohmann::json tokens = nlohmann::json::object();
  if (config.is_null()) return tokens;
  // A token is a string or an AddedToken object {"content": ...}.
  const auto token_text = [](const ordered_json& v) -> std::optional<std::string> {
    if (v.is_string()) return v.get<std::string>();
    if (v.is_object() && v.contains("content") && v["content"].is_string())
      return v["content"].get<std::string>();
    return std::nullopt;
  };
  for (const char* name : kTokenNames) {
    if (!config.contains(name)) continue;
    if (const auto text = token_text(config[name])) tokens[name] = *text;
  }
  if (config.contains("additional_special_tokens") &&
      config["additional_special_tokens"].is_array()) {
    nlohmann::json extra = nlohmann::json::array();
    for (const auto& token : config["additional_special_tokens"]) {
      if (const auto text = token_text(token)) extra.push_back(*text);
    }
    tokens["additional_special_tokens"] = extra;
  }
  return tokens;
}

}  // namespace atman
