// atman tokenize: what the model reads — ids, pieces and character spans of a text, and the
// decoded ids; for one text or a JSONL file of them.
#include <chrono>
#include <fstream>
#include <iostream>
#include <memory>
#include <nlohmann/json.hpp>
#include <optional>

#include "atman/batch_input.hpp"
#include "atman/error.hpp"
#include "atman/input_file.hpp"
#include "atman/model.hpp"
#include "atman/text_format.hpp"
#include "atman/utf8.hpp"
#include "atman/chat_prompt.hpp"
#include "chat_flags.hpp"
#include "commands.hpp"

namespace atman::cli {
namespace {

struct TokenizeOptions {
  std::string model = default_model_dir().string();
  std::string tokenizer;
  std::string text;
  std::string text_file;
  std::string input;
  bool stats = false;
  bool no_add_special = false;
  bool split_special = false;
  std::string format = "text";
  ChatFlags chat;
};

nlohmann::ordered_json tokenization_json(const Tokenizer& tokenizer, const std::string& text,
                                         bool add_special, bool split_special) {
  nlohmann::ordered_json j;
  j["text"] = text;
  std::vector<int64_t> ids;
  nlohmann::ordered_json tokens = nlohmann::ordered_json::array();
  for (const Token& t : tokenizer.encode(text, add_special, split_special)) {
    ids.push_back(t.id);
    tokens.push_back({{"id", t.id}, {"piece", t.piece}, {"start", t.start}, {"length", t.length}});
  }
  j["ids"] = ids;
  j["tokens"] = std::move(tokens);
  j["decoded"] = tokenizer.decode(ids);
  return j;
}

// --chat: the rendered conversation tokenized as apply_chat_template(tokenize=True) does,
// special tokens parsed and none added, with where each message's content sits.
nlohmann::ordered_json chat_tokenization_json(const Tokenizer& tokenizer, const ChatRenderer& renderer,
                                              const nlohmann::ordered_json& messages, const ChatOptions& options) {
  const ChatPrompt chat = renderer.render(messages, options);
  nlohmann::ordered_json j;
  nlohmann::ordered_json spans = nlohmann::ordered_json::array();
  for (const MessageSpan& m : chat.messages) {
    spans.push_back({{"index", m.message}, {"role", m.role}, {"start", m.start}, {"length", m.length}});
  }
  j = tokenization_json(tokenizer, chat.text, false, false);
  j["messages"] = std::move(spans);
  return j;
}

void write_text(const nlohmann::ordered_json& j, std::ostream& out) {
  out << "index\tid\tstart\tlength\tpiece\n";
  size_t index = 0;
  for (const auto& t : j["tokens"]) {
    out << index++ << '\t' << t["id"].get<int64_t>() << '\t' << t["start"].get<int64_t>() << '\t'
        << t["length"].get<int64_t>() << "\t\""
        << escape_control_characters(t["piece"].get<std::string>()) << "\"\n";
  }
  out << "# " << index << " tokens; decoded: \""
      << escape_control_characters(j["decoded"].get<std::string>()) << "\"\n";
}

std::string dump(const nlohmann::ordered_json& j) {
  return j.dump(-1, ' ', false, nlohmann::ordered_json::error_handler_t::replace);
}

// JSONL in, JSONL out: {"text", "add_special_tokens"?} per line, or with --chat {"messages",
// "add_generation_prompt"?, "template_vars"?}; a bad line gets an error line and the run goes on.
int64_t tokenize_jsonl(const Tokenizer& tokenizer, const ChatRenderer* renderer, const ChatOptions& chat_options,
                       const TokenizeOptions& o) {
  std::ifstream in = open_input_file(o.input, "--input");
  int64_t failed = 0;
  std::string text;
  bool too_long = false;
  for (int64_t line = 1; read_line_capped(in, text, kMaxRecordLineBytes, too_long); ++line) {
    if (is_blank_line(text)) continue;
    nlohmann::ordered_json result;
    try {
      if (too_long)
        throw Error("line is longer than " + std::to_string(kMaxRecordLineBytes >> 20) + " MiB");
      nlohmann::json record;
      try {
        record = nlohmann::json::parse(text);
      } catch (const nlohmann::json::exception& e) {
        throw Error("line is not valid JSON: " + escape_invalid_utf8(e.what()));
      }
      if (renderer != nullptr) {
        if (!record.is_object() || !record.contains("messages")) {
          throw Error("a record must be an object with a field \"messages\"");
        }
        try {
          ChatOptions options = chat_options;
          options.apply_record(record);
          result = chat_tokenization_json(tokenizer, *renderer, nlohmann::ordered_json::parse(record["messages"].dump()),
                                          options);
        } catch (const ChatTemplateError& e) {
          ++failed;
          result = {{"line", line}, {"error", {{"code", "template_error"}, {"message", e.what()}}}};
        }
        std::cout << dump(result) << '\n';
        continue;
      }
      if (!record.is_object() || !record.contains("text") || !record["text"].is_string()) {
        throw Error("a record must be an object with a string field \"text\"");
      }
      bool add_special = !o.no_add_special;
      if (record.contains("add_special_tokens")) {
        if (!record["add_special_tokens"].is_boolean())
          throw Error("\"add_special_tokens\" must be a boolean");
        add_special = record["add_special_tokens"].get<bool>();
      }
      result = tokenization_json(tokenizer, record["text"].get<std::string>(), add_special,
                                 o.split_special);
    } catch (const std::exception& e) {
      ++failed;
      result = {{"line", line}, {"error", {{"code", "invalid_record"}, {"message", e.what()}}}};
    }
    std::cout << dump(result) << '\n';
  }
  return failed;
}

// --stats: how long encoding took, on one thread, for the benchmark figure.
void print_stats(const Tokenizer& tokenizer, const std::string& text, const TokenizeOptions& o) {
  const auto start = std::chrono::steady_clock::now();
  const auto tokens = tokenizer.encode(text, !o.no_add_special, o.split_special);
  const double seconds =
      std::chrono::duration<double>(std::chrono::steady_clock::now() - start).count();
  std::cout << "tokenizer " << tokenizer.file().string() << " (" << tokenizer.format()
            << "): " << text.size() << " bytes, " << tokens.size() << " tokens in "
            << format_fixed(seconds, 3) << " s ("
            << format_fixed(static_cast<double>(text.size()) / 1e6 / std::max(seconds, 1e-9), 2)
            << " MB/s)\n";
}

void run_tokenize(const TokenizeOptions& o) {
  check_options([&] {
    if (o.format != "text" && o.format != "json")
      throw Error("unknown format '" + o.format + "' (expected text, json)");
    if (o.chat.chat) {
      if (o.chat.messages_file.empty() == o.input.empty() || !o.text.empty() || !o.text_file.empty()) {
        throw Error("with --chat give exactly one of --messages and --input");
      }
    } else if (o.text.empty() + o.text_file.empty() + o.input.empty() != 2) {
      throw Error("give exactly one of --text, --text-file and --input");
    }
    if (o.stats && !o.input.empty()) throw Error("--stats takes --text or --text-file");
  });
  const std::filesystem::path file =
      o.tokenizer.empty() ? Tokenizer::file_for_model(o.model) : std::filesystem::path(o.tokenizer);
  const Tokenizer tokenizer = Tokenizer::load(file);
  const ChatOptions chat_options = check_options([&] { return o.chat.to_options(); });
  std::optional<ChatRenderer> renderer;
  if (o.chat.chat) renderer.emplace(ChatRenderer::for_model(o.model, chat_options));
  const std::string text = o.text_file.empty()
                               ? o.text
                               : read_file_capped(o.text_file, "--text-file", kMaxTextFileBytes);
  if (o.stats) return print_stats(tokenizer, text, o);
  if (!o.input.empty()) {
    const int64_t failed = tokenize_jsonl(tokenizer, renderer ? &*renderer : nullptr, chat_options, o);
    if (failed > 0)
      throw Error(std::to_string(failed) + " record(s) of '" + o.input +
                  "' failed (error lines in the output)");
    return;
  }
  const auto j = renderer ? chat_tokenization_json(tokenizer, *renderer, read_messages_file(o.chat.messages_file), chat_options)
                          : tokenization_json(tokenizer, text, !o.no_add_special, o.split_special);
  if (o.format == "json") {
    std::cout << dump(j) << '\n';
  } else {
    write_text(j, std::cout);
  }
}

}  // namespace

void setup_tokenize(CLI::App& app) {
  auto o = std::make_shared<TokenizeOptions>();
  auto* cmd = app.add_subcommand("tokenize",
                                 "Show the tokens (ids, pieces, character spans) a model reads");
  auto* model = cmd->add_option("--model", o->model,
                                "model directory (its tokenizer.json, else tokenizer.model)")
                    ->capture_default_str();
  cmd->add_option("--tokenizer", o->tokenizer, "a tokenizer.json or SentencePiece tokenizer.model")
      ->excludes(model);
  cmd->add_option("--text", o->text, "the text to tokenize");
  cmd->add_option("--text-file", o->text_file, "read the text from a file");
  cmd->add_flag("--stats", o->stats, "print only the token count and encoding time (a benchmark)");
  cmd->add_option("--input,-i", o->input,
                  "JSONL of {\"text\", \"add_special_tokens\"?}; JSONL out");
  cmd->add_flag("--no-add-special", o->no_add_special,
                "no BOS/template tokens (add_special_tokens=False)");
  cmd->add_flag("--split-special", o->split_special,
                "special-token text is plain text (split_special_tokens)");
  cmd->add_option("--format", o->format, "text or json")->capture_default_str();
  add_chat_flags(cmd, o->chat);
  cmd->callback([o] { run_tokenize(*o); });
}

}  // namespace atman::cli
