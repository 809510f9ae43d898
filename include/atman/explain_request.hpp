#pragma once
// What to explain, as a command line or a batch record gives it: a plain or chat prompt, the
// target or the model's own continuation, and an optional foil. `explain`, `batch` and `eval`
// turn requests into inputs the same way.
#include <cstdint>
#include <filesystem>
#include <optional>
#include <string>
#include <vector>

#include <nlohmann/json.hpp>

#include "atman/chat_prompt.hpp"
#include "atman/documents.hpp"
#include "atman/explain.hpp"
#include "atman/explain_settings.hpp"

namespace atman {

struct ExplainRequest {
  std::string prompt;  // the text, or with `chat` the user's message
  std::string target;  // empty with generate > 0
  bool chat = false;
  std::string system;                  // chat: a system message before the user's
  nlohmann::ordered_json messages;     // chat: the whole conversation (null: system + prompt)
  ChatOptions chat_options;
  int64_t generate = 0;                // > 0: explain the model's own greedy continuation instead
  std::optional<std::string> contrast;  // a foil, when given (an empty one is refused)
  bool split_special = false;
  // Documents placed before the prompt (with `chat`, before the last user message's content),
  // each written as `document_template` says.
  std::vector<std::string> documents;
  std::string document_template = kDefaultDocumentTemplate;

  // The settings that shape the input rather than the method: split_special, document_template.
  void apply_settings(const ExplainSettings& settings);
  // A batch record's `chat`, `system`, `messages`, `generate`, `contrast`, `documents` (and
  // `prompt`, `target`). Throws atman::Error naming a field of the wrong type.
  void apply_record(const nlohmann::json& record);
  // Throws atman::Error when what to explain is missing or contradictory (before a model loads).
  void validate() const;
};

struct PreparedInput {
  ExplainInput input;
  std::optional<ExplainInput> foil;
};

// Prepares the requests of one run (a batch, an eval): renders and tokenizes (and generates) as
// each request says. The chat template is read and parsed once, at the first chat request, and
// rendered with each request's own variables. Throws atman::Error naming the problem: a template
// that raises, a prompt too long for the model, an empty reply.
class InputPreparer {
 public:
  explicit InputPreparer(const Model& model) : model_(model) {}
  PreparedInput prepare(const ExplainRequest& request);

 private:
  const ChatRenderer& renderer_for(const ChatOptions& options);

  const Model& model_;
  std::optional<ChatRenderer> renderer_;
  std::filesystem::path renderer_template_file_;  // the --chat-template it was built from
};

// One request: InputPreparer(model).prepare(request).
PreparedInput prepare_input(const Model& model, const ExplainRequest& request);

// explain(), or explain_contrast() when the request has a foil.
Explanation explain_prepared(const Model& model, const PreparedInput& prepared, const ExplainOptions& options,
                             const MethodOptions& method);

}  // namespace atman
