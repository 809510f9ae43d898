#include "chat_flags.hpp"

#include "atman/error.hpp"

namespace atman::cli {

ChatOptions ChatFlags::to_options() const {
  if (!chat && (!system.empty() || !messages_file.empty() || !template_file.empty() || !template_vars.empty() ||
                no_generation_prompt)) {
    throw UsageError("--system, --messages, --chat-template, --template-var and --no-generation-prompt need --chat");
  }
  ChatOptions options;
  options.template_file = template_file;
  options.add_generation_prompt = !no_generation_prompt;
  for (const auto& assignment : template_vars) {
    auto [name, value] = parse_template_var(assignment);
    options.template_vars[name] = value;
  }
  return options;
}

void add_chat_flags(CLI::App* cmd, ChatFlags& f) {
  cmd->add_flag("--chat", f.chat,
                "render the prompt as a conversation with the model's chat template; the target is the assistant's reply");
  cmd->add_option("--system", f.system, "with --chat: a system message before the user's");
  cmd->add_option("--messages", f.messages_file,
                  "with --chat: a JSON file holding the conversation, an array of {\"role\", \"content\"} "
                  "(the last message is the user's)");
  cmd->add_option("--chat-template", f.template_file, "with --chat: a Jinja template file instead of the model's");
  cmd->add_option("--template-var", f.template_vars,
                  "with --chat: NAME=JSON passed to the template, e.g. enable_thinking=false (repeatable)");
  cmd->add_flag("--no-generation-prompt", f.no_generation_prompt,
                "with --chat: render without the assistant's opening (add_generation_prompt false)");
}

}  // namespace atman::cli
