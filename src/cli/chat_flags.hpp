#pragma once
// The chat flags shared by `explain` and `tokenize`: which conversation, which template.
#include <string>
#include <vector>

#include <CLI/CLI.hpp>

#include "atman/chat_prompt.hpp"

namespace atman::cli {

struct ChatFlags {
  bool chat = false;
  std::string system;                      // --system: a system message before the prompt
  std::string messages_file;               // --messages: the whole conversation
  std::string template_file;               // --chat-template
  std::vector<std::string> template_vars;  // --template-var NAME=JSON, repeatable
  bool no_generation_prompt = false;

  // Throws UsageError for chat flags given without --chat, or malformed --template-var.
  ChatOptions to_options() const;
};

void add_chat_flags(CLI::App* command, ChatFlags& flags);

}  // namespace atman::cli
