#include "atman/explain_request.hpp"

#include "atman/error.hpp"

namespace atman {
namespace {

template <typename T>
void read_field(const nlohmann::json& record, const char* name, T& out, bool (nlohmann::json::*is)() const noexcept,
                const char* expected) {
  auto it = record.find(name);
  if (it == record.end()) return;
  if (!((*it).*is)()) throw Error("field '" + std::string(name) + "' must be " + expected + ", got " + it->dump());
  out = it->get<T>();
}

}  // namespace

void ExplainRequest::apply_record(const nlohmann::json& record) {
  read_field(record, "prompt", prompt, &nlohmann::json::is_string, "a string");
  read_field(record, "target", target, &nlohmann::json::is_string, "a string");
  read_field(record, "chat", chat, &nlohmann::json::is_boolean, "a boolean");
  read_field(record, "system", system, &nlohmann::json::is_string, "a string");
  read_field(record, "generate", generate, &nlohmann::json::is_number_integer, "an integer");
  if (record.contains("contrast")) {
    std::string foil;
    read_field(record, "contrast", foil, &nlohmann::json::is_string, "a string");
    contrast = foil;
  }
  if (record.contains("messages")) {
    messages = nlohmann::ordered_json::parse(record["messages"].dump());
    chat = true;  // a conversation is a chat
  }
  if (record.contains("system")) chat = true;
  chat_options.apply_record(record);
}

void ExplainRequest::validate() const {
  if (generate < 0) throw Error("--generate must be at least 1 token, got " + std::to_string(generate));
  if (generate > 0 && !target.empty()) {
    throw Error("--generate explains the model's own continuation: give no target with it");
  }
  if (generate == 0 && target.empty()) throw Error("the target is empty (give a target, or --generate N)");
  if (contrast && contrast->empty()) throw Error("the contrast is empty (give the foil's text)");
  if (!chat && !system.empty()) throw Error("a system message needs a chat prompt (--chat)");
  const bool has_conversation = chat && !messages.is_null();
  if (prompt.empty() && !has_conversation) throw Error("the prompt is empty");
}

const ChatRenderer& InputPreparer::renderer_for(const ChatOptions& options) {
  if (!renderer_ || renderer_template_file_ != options.template_file) {
    renderer_.emplace(ChatRenderer::for_model(model_.dir, options));
    renderer_template_file_ = options.template_file;
  }
  return *renderer_;
}

PreparedInput prepare_input(const Model& model, const ExplainRequest& request) {
  return InputPreparer(model).prepare(request);
}

PreparedInput InputPreparer::prepare(const ExplainRequest& request) {
  const Model& model = model_;
  request.validate();
  PreparedInput out;
  if (!request.chat) {
    const PromptTokenization tokenization{true, request.split_special};
    out.input = request.generate > 0
                    ? make_generated_explain_input(model, request.prompt, tokenization, request.generate)
                    : make_explain_input(model, request.prompt, request.target, tokenization);
    if (request.contrast) out.foil = make_explain_input(model, request.prompt, *request.contrast, tokenization);
    return out;
  }
  const ChatRenderer& renderer = renderer_for(request.chat_options);
  const ChatPrompt chat = renderer.render(
      request.messages.is_null() ? conversation_of(request.system, request.prompt) : request.messages, request.chat_options);
  out.input = request.generate > 0 ? make_chat_generated_input(model, renderer, chat, request.generate, request.split_special)
                                   : make_chat_explain_input(model, chat, request.target, request.split_special);
  if (request.contrast) out.foil = make_chat_explain_input(model, chat, *request.contrast, request.split_special);
  return out;
}

Explanation explain_prepared(const Model& model, const PreparedInput& prepared, const ExplainOptions& options,
                             const MethodOptions& method) {
  if (prepared.foil) return explain_contrast(model, prepared.input, *prepared.foil, options, method);
  return explain(model, prepared.input, options, method);
}

}  // namespace atman
