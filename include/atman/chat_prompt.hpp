#pragma once
// A conversation turned into the prompt an instruct model reads: rendered by the model's chat
// template (as transformers' apply_chat_template does), with where each message's content
// landed in the text, so that only contents become units.
#include <filesystem>
#include <string>
#include <vector>

#include <nlohmann/json.hpp>

#include "atman/chat_template.hpp"
#include "atman/error.hpp"
#include "atman/explain_input.hpp"
#include "atman/model.hpp"

namespace atman {

struct ChatOptions {
  std::filesystem::path template_file;                       // --chat-template; empty = the model's own
  nlohmann::json template_vars = nlohmann::json::object();   // extra variables, e.g. enable_thinking
  bool add_generation_prompt = true;

  // A JSONL record's "add_generation_prompt" and "template_vars" (merged over these). Throws
  // atman::Error naming a field of the wrong type.
  void apply_record(const nlohmann::json& record);
};

struct ChatPrompt {
  std::string text;                   // the rendered conversation
  std::vector<MessageSpan> messages;  // each message's content in `text` (characters)
};

// The template failed on a conversation (its own raise_exception, or an error while
// rendering): what() is the template's message.
class ChatTemplateError : public Error {
 public:
  using Error::Error;
};

class ChatRenderer {
 public:
  // The model's template (tokenizer_config.json's chat_template or chat_template.jinja) or
  // options.template_file, with the special tokens of tokenizer_config.json. Throws naming the
  // model directory when it has no template.
  static ChatRenderer for_model(const std::filesystem::path& model_dir, const ChatOptions& options);

  // Validates `messages` (a non-empty array of {"role", "content"} with known roles), renders
  // them and finds each content in the text. A template that raises throws its own message.
  ChatPrompt render(const nlohmann::ordered_json& messages) const { return render(messages, options_); }
  // The same with other add_generation_prompt and template_vars (template_file is ignored).
  ChatPrompt render(const nlohmann::ordered_json& messages, const ChatOptions& options) const;
  // The text the template puts right after an assistant's reply (e.g. "<|im_end|>"), found by
  // rendering one; empty when there is none.
  std::string end_of_turn() const;

 private:
  ChatRenderer(ChatTemplate chat_template, const nlohmann::json& special_tokens, ChatOptions options)
      : template_(std::move(chat_template)),
        special_tokens_(nlohmann::ordered_json::parse(special_tokens.dump())),
        options_(std::move(options)) {}
  std::string render_text(const nlohmann::ordered_json& messages, const ChatOptions& options) const;

  ChatTemplate template_;
  nlohmann::ordered_json special_tokens_;  // converted once: every render starts its context from them
  ChatOptions options_;
};

// The explanation input of a rendered chat and the assistant's reply `target`: the prompt
// tokenized with special tokens parsed and no BOS of the tokenizer's own (the template writes
// it, as apply_chat_template's tokenization adds none), units limited to message contents.
ExplainInput make_chat_explain_input(const Model& model, const ChatPrompt& chat, const std::string& target,
                                     bool split_special);
// The same with the model's own greedy reply (up to `max_new_tokens`) as the target, ending at
// the config's EOS ids or the template's end of turn.
ExplainInput make_chat_generated_input(const Model& model, const ChatRenderer& renderer, const ChatPrompt& chat,
                                       int64_t max_new_tokens, bool split_special);

// [{"role": "system", ...}?, {"role": "user", "content": user}]: --system and --prompt.
nlohmann::ordered_json conversation_of(const std::string& system, const std::string& user);
// --messages FILE: a JSON array of messages. Throws naming the file.
nlohmann::ordered_json read_messages_file(const std::filesystem::path& file);
// "NAME=JSON" -> (NAME, value); a value that is not JSON is taken as a string. Throws naming the flag.
std::pair<std::string, nlohmann::json> parse_template_var(const std::string& assignment);

}  // namespace atman
