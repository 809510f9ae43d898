#include "atman/chat_prompt.hpp"

#include <spdlog/spdlog.h>

#include <algorithm>

#include "atman/error.hpp"
#include "atman/input_file.hpp"
#include "atman/utf8.hpp"

namespace atman {
namespace {

using nlohmann::json;
using nlohmann::ordered_json;

const char* const kRoles[] = {"system", "user", "assistant", "tool"};

void validate_messages(const ordered_json& messages, bool add_generation_prompt) {
  if (!messages.is_array() || messages.empty()) throw Error("a conversation must be a non-empty JSON array of messages");
  for (size_t i = 0; i < messages.size(); ++i) {
    const ordered_json& m = messages[i];
    const std::string where = "message " + std::to_string(i);
    if (!m.is_object()) throw Error(where + " is not a JSON object");
    if (!m.contains("role") || !m["role"].is_string()) throw Error(where + " has no string 'role'");
    const std::string role = m["role"];
    if (std::find(std::begin(kRoles), std::end(kRoles), role) == std::end(kRoles)) {
      throw Error(where + " has the unknown role '" + role + "' (expected system, user, assistant or tool)");
    }
    if (!m.contains("content") || !m["content"].is_string()) {
      throw Error(where + " needs a string 'content' (content parts such as images are not supported)");
    }
    require_valid_utf8(m["content"].get<std::string>(), where + "'s content");
  }
  if (add_generation_prompt && messages.back()["role"] != "user") {
    throw Error("the last message must be the user's (the target is the assistant's reply to it)");
  }
}

// Trimmed of ASCII whitespace, as templates' `| trim` does to most contents.
std::string trimmed(const std::string& s) {
  const size_t first = s.find_first_not_of(" \t\n\r");
  if (first == std::string::npos) return "";
  return s.substr(first, s.find_last_not_of(" \t\n\r") - first + 1);
}

}  // namespace

void ChatOptions::apply_record(const json& record) {
  if (auto it = record.find("add_generation_prompt"); it != record.end()) {
    if (!it->is_boolean()) throw Error("field 'add_generation_prompt' must be a boolean, got " + it->dump());
    add_generation_prompt = it->get<bool>();
  }
  if (auto it = record.find("template_vars"); it != record.end()) {
    if (!it->is_object()) throw Error("field 'template_vars' must be an object, got " + it->dump());
    for (const auto& [name, value] : it->items()) template_vars[name] = value;
  }
}

ChatRenderer ChatRenderer::for_model(const std::filesystem::path& model_dir, const ChatOptions& options) {
  json special_tokens = load_special_tokens(model_dir);
  if (!options.template_file.empty()) {
    const std::string source = read_file_capped(options.template_file.string(), "--chat-template", kMaxTextFileBytes);
    return ChatRenderer(ChatTemplate::parse(source, options.template_file.string()), special_tokens, options);
  }
  auto model_template = load_model_chat_template(model_dir);
  if (!model_template) {
    throw Error("model '" + model_dir.string() + "' has no chat template (no chat_template in tokenizer_config.json, "
                "no chat_template.jinja; HINT: --chat-template FILE)");
  }
  return ChatRenderer(std::move(*model_template), special_tokens, options);
}

std::string ChatRenderer::render_text(const ordered_json& messages, const ChatOptions& options) const {
  // What transformers passes: the special tokens, no tools or documents, then the extra variables.
  ordered_json context = special_tokens_;
  context["messages"] = messages;
  context["add_generation_prompt"] = options.add_generation_prompt;
  context["tools"] = nullptr;
  context["documents"] = nullptr;
  for (const auto& [name, value] : options.template_vars.items()) context[name] = ordered_json::parse(value.dump());
  try {
    return template_.render(context);
  } catch (const std::exception& e) {
    throw ChatTemplateError(e.what());
  }
}

ChatPrompt ChatRenderer::render(const ordered_json& messages, const ChatOptions& options) const {
  validate_messages(messages, options.add_generation_prompt);
  ChatPrompt out;
  out.text = render_text(messages, options);
  // Contents appear in order; a template that rewrites one (strips reasoning, say) leaves it
  // out of the units rather than pointing units at the wrong text.
  size_t cursor = 0;
  for (size_t i = 0; i < messages.size(); ++i) {
    const std::string content = messages[i]["content"];
    std::string needle = content;
    size_t at = needle.empty() ? std::string::npos : out.text.find(needle, cursor);
    if (at == std::string::npos && !trimmed(content).empty()) {
      needle = trimmed(content);
      at = out.text.find(needle, cursor);
    }
    if (at == std::string::npos) {
      if (!content.empty()) spdlog::warn("message {} ({}): its content is not in the rendered prompt; it has no units", i, messages[i]["role"].get<std::string>());
      continue;
    }
    MessageSpan span;
    span.message = static_cast<int64_t>(i);
    span.role = messages[i]["role"];
    span.start = count_code_points(out.text, at);
    span.length = count_code_points(needle);
    span.trimmed_front = needle.size() == content.size() ? 0 : count_code_points(content.substr(0, content.find(needle)));
    out.messages.push_back(span);
    cursor = at + needle.size();
  }
  return out;
}

std::string ChatRenderer::end_of_turn() const {
  static const std::string kReply = "atman-reply";
  const ordered_json messages = ordered_json::array({{{"role", "user"}, {"content", "atman-question"}},
                                                     {{"role", "assistant"}, {"content", kReply}}});
  std::string text;
  ChatOptions closed = options_;
  closed.add_generation_prompt = false;
  try {
    text = render_text(messages, closed);
  } catch (const Error&) {
    return "";  // a template that refuses this conversation tells nothing about its turns
  }
  const size_t at = text.rfind(kReply);
  if (at == std::string::npos) return "";
  // The first whitespace-delimited piece after the reply: "<|im_end|>", "<end_of_turn>", "</s>".
  const size_t begin = text.find_first_not_of(" \t\n\r", at + kReply.size());
  if (begin == std::string::npos) return "";
  const size_t end = text.find_first_of(" \t\n\r", begin);
  return text.substr(begin, end == std::string::npos ? std::string::npos : end - begin);
}

ExplainInput make_chat_explain_input(const Model& model, const ChatPrompt& chat, const std::string& target,
                                     bool split_special) {
  if (target.empty()) {
    throw Error("the target (the assistant's reply) is empty; give --target, or --generate N to explain the model's own");
  }
  ExplainInput in = make_explain_input(model, chat.text, target, PromptTokenization{false, split_special});
  in.messages = chat.messages;
  return in;
}

ExplainInput make_chat_generated_input(const Model& model, const ChatRenderer& renderer, const ChatPrompt& chat,
                                       int64_t max_new_tokens, bool split_special) {
  // The template's end of turn ends the reply as EOS would.
  std::vector<int64_t> stop_ids;
  const std::string end = renderer.end_of_turn();
  if (!end.empty()) {
    const auto ids = model.tokenizer.encode_ids(end, false);
    if (ids.size() == 1) stop_ids.push_back(ids.front());
  }
  ExplainInput in = make_generated_explain_input(model, chat.text, PromptTokenization{false, split_special},
                                                 max_new_tokens, stop_ids);
  in.messages = chat.messages;
  return in;
}

ordered_json conversation_of(const std::string& system, const std::string& user) {
  ordered_json messages = ordered_json::array();
  if (!system.empty()) messages.push_back({{"role", "system"}, {"content", system}});
  messages.push_back({{"role", "user"}, {"content", user}});
  return messages;
}

ordered_json read_messages_file(const std::filesystem::path& file) {
  const std::string text = read_file_capped(file.string(), "--messages", kMaxTextFileBytes);
  ordered_json messages;  // in the file's key order, as Python's json.load keeps it
  try {
    messages = ordered_json::parse(text);
  } catch (const ordered_json::exception& e) {
    throw Error(file.string() + ": malformed JSON: " + escape_invalid_utf8(e.what()));
  }
  if (messages.is_object() && messages.contains("messages")) messages = messages["messages"];
  if (!messages.is_array()) throw Error(file.string() + ": expected a JSON array of messages");
  return messages;
}

std::pair<std::string, json> parse_template_var(const std::string& assignment) {
  const size_t eq = assignment.find('=');
  if (eq == std::string::npos || eq == 0) {
    throw UsageError("--template-var takes NAME=JSON (e.g. enable_thinking=false), got '" + assignment + "'");
  }
  const std::string value = assignment.substr(eq + 1);
  try {
    return {assignment.substr(0, eq), json::parse(value)};
  } catch (const json::exception&) {
    return {assignment.substr(0, eq), json(value)};  // a bare word is a string
  }
}

}  // namespace atman
