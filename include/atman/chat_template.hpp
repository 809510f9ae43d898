#pragma once
// Hugging Face chat templates (tokenizer_config.json's "chat_template"), rendered as transformers'
// apply_chat_template renders them with Python Jinja2: trim_blocks, lstrip_blocks, loop
// controls, tojson = json.dumps(ensure_ascii=False), raise_exception and strftime_now.
// The engine is written for these templates (src/chat/jinja/); it does not load other files
// ({% include %}, {% extends %}, {% import %} are syntax errors).
#include <cstdint>
#include <filesystem>
#include <memory>
#include <nlohmann/json.hpp>
#include <optional>
#include <string>

#include "atman/error.hpp"

namespace atman {

// A template's own raise_exception(msg): what() is exactly msg.
class TemplateRaised : public Error {
 public:
  using Error::Error;
};

struct TemplateRenderOptions {
  // strftime_now's clock in seconds since the epoch, read as UTC. Unset: SOURCE_DATE_EPOCH (UTC)
  // when that is set, else the current local time (transformers calls datetime.now()).
  std::optional<int64_t> now_epoch_seconds;
};

namespace jinja {
struct Template;
}

class ChatTemplate {
 public:
  // Parses; throws atman::Error for syntax errors, naming `name`, the line number and quoting
  // the template line.
  static ChatTemplate parse(const std::string& source, const std::string& name);

  // Renders with a JSON object as the variables (messages, add_generation_prompt, bos_token,
  // tools, ...). An ordered_json keeps the key order json.dumps (tojson) and `| items` show, as
  // Python dicts do; a plain nlohmann::json converts implicitly, with its keys sorted.
  // Throws TemplateRaised for the template's raise_exception(msg), atman::Error naming the
  // template and quoting the line for any other failure.
  std::string render(const nlohmann::ordered_json& context,
                     const TemplateRenderOptions& options = {}) const;

  const std::string& name() const;

 private:
  explicit ChatTemplate(std::shared_ptr<const jinja::Template> impl) : impl_(std::move(impl)) {}
  std::shared_ptr<const jinja::Template> impl_;
};

// The model's template: chat_template.jinja in `model_dir` (which transformers prefers), else
// tokenizer_config.json's "chat_template": a string, or a list of {"name", "template"} from which
// `template_name` is picked. std::nullopt when there is none; throws atman::Error for unreadable
// or malformed files, an unknown template_name, or a template that does not parse.
std::optional<ChatTemplate> load_model_chat_template(const std::filesystem::path& model_dir,
                                                     const std::string& template_name = "default");

// The special tokens of tokenizer_config.json as template variables: bos_token, eos_token,
// unk_token, sep_token, pad_token, cls_token, mask_token (strings; an AddedToken object gives its
// "content") and additional_special_tokens (a list of strings), each only when set. An empty
// object when the model has no tokenizer_config.json; throws atman::Error when it is malformed.
nlohmann::json load_special_tokens(const std::filesystem::path& model_dir);

}  // namespace atman
