#include "atman/explain_request.hpp"

#include <algorithm>

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

// Where message `message`'s whole content begins in the rendered chat (before anything the
// template trimmed off it).
int64_t content_offset(const ChatPrompt& chat, int64_t message) {
  for (const MessageSpan& span : chat.messages) {
    if (span.message == message) return span.start - span.trimmed_front;
  }
  throw Error("the chat template left out the message holding the documents");
}

// The input and its foil both hold the documents.
void place_documents(PreparedInput& prepared, const DocumentPrompt& documents, int64_t offset) {
  place_documents(prepared.input, documents, offset);
  if (prepared.foil) place_documents(*prepared.foil, documents, offset);
}

}  // namespace

void ExplainRequest::apply_settings(const ExplainSettings& settings) {
  split_special = settings.split_special;
  document_template = settings.document_template;
}

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
  if (record.contains("documents")) {
    const auto& docs = record["documents"];
    const bool strings = docs.is_array() && std::all_of(docs.begin(), docs.end(), [](const auto& d) { return d.is_string(); });
    if (!strings) throw Error("field 'documents' must be an array of strings, got " + docs.dump());
    documents = docs.get<std::vector<std::string>>();
    if (documents.empty()) throw Error("field 'documents' is an empty array (give at least one document, or drop it)");
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
  // With documents the prompt is the question after them, which may be left out.
  if (prompt.empty() && !has_conversation && documents.empty()) throw Error("the prompt is empty");
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
    std::optional<DocumentPrompt> documents;
    if (!request.documents.empty()) documents = assemble_documents(request.documents, request.document_template, request.prompt);
    const std::string& prompt = documents ? documents->text : request.prompt;
    const PromptTokenization tokenization{true, request.split_special};
    out.input = request.generate > 0 ? make_generated_explain_input(model, prompt, tokenization, request.generate)
                                     : make_explain_input(model, prompt, request.target, tokenization);
    if (request.contrast) out.foil = make_explain_input(model, prompt, *request.contrast, tokenization);
    if (documents) place_documents(out, *documents, 0);
    return out;
  }
  const ChatRenderer& renderer = renderer_for(request.chat_options);
  nlohmann::ordered_json conversation =
      request.messages.is_null() ? conversation_of(request.system, request.prompt) : request.messages;
  // Documents go before the content of the last user message, the question.
  std::optional<DocumentPrompt> documents;
  int64_t asking = -1;  // that message's index
  if (!request.documents.empty()) {
    for (size_t i = 0; conversation.is_array() && i < conversation.size(); ++i) {
      const auto& m = conversation[i];
      if (m.is_object() && m.value("role", "") == "user" && m.contains("content") && m["content"].is_string()) {
        asking = static_cast<int64_t>(i);
      }
    }
    if (asking < 0) throw Error("documents go before the last user message, and the conversation has none");
    auto& content = conversation[static_cast<size_t>(asking)]["content"];
    documents = assemble_documents(request.documents, request.document_template, content.get<std::string>());
    content = documents->text;
  }
  const ChatPrompt chat = renderer.render(conversation, request.chat_options);
  out.input = request.generate > 0 ? make_chat_generated_input(model, renderer, chat, request.generate, request.split_special)
                                   : make_chat_explain_input(model, chat, request.target, request.split_special);
  if (request.contrast) out.foil = make_chat_explain_input(model, chat, *request.contrast, request.split_special);
  if (documents) place_documents(out, *documents, content_offset(chat, asking));
  return out;
}

Explanation explain_prepared(const Model& model, const PreparedInput& prepared, const ExplainOptions& options,
                             const MethodOptions& method) {
  if (prepared.foil) return explain_contrast(model, prepared.input, *prepared.foil, options, method);
  return explain(model, prepared.input, options, method);
}

}  // namespace atman
