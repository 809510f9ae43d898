#include "atman/explain_input.hpp"

#include <algorithm>

#include "atman/error.hpp"
#include "atman/generate.hpp"
#include "atman/utf8.hpp"

namespace atman {
namespace {

// A non-empty, valid UTF-8 text; throws naming `what` ("the prompt") otherwise.
void require_text(const std::string& text, const std::string& what) {
  if (text.empty()) throw Error(what + " is empty");
  require_valid_utf8(text, what);
}

// Fails before tokenizing a text that surely exceeds the model's context; `subject` says what it
// is ("the prompt is").
void require_within_context(const Model& model, const std::string& text, const std::string& subject) {
  const int64_t limit = model.transformer.config().max_position_embeddings;
  if (model.tokenizer.surely_longer_than(text, limit)) {
    throw Error(subject + " more than " + std::to_string(limit) +
                " tokens, longer than the model's max_position_embeddings (" + std::to_string(limit) + ")");
  }
}

// Re-bases a token's spans by subtracting `chars` characters and `bytes` bytes.
Token shifted(Token t, int64_t chars, int64_t bytes) {
  t.start -= chars;
  t.byte_start -= bytes;
  return t;
}

}  // namespace

torch::Tensor target_log_probs(const torch::Tensor& logits, const torch::Tensor& target_ids) {
  const auto logp = torch::log_softmax(logits, -1);                                          // (B, n, V)
  const auto index = target_ids.to(logits.device()).view({1, -1, 1}).expand({logits.size(0), target_ids.size(0), 1});  // (B, n, 1)
  return logp.gather(2, index).squeeze(2);                                                   // (B, n)
}

ForwardOptions target_logit_options(const ExplainInput& input) {
  ForwardOptions options;
  const int64_t first = input.prompt_length() - 1;
  options.logit_positions = torch::arange(first, first + input.target_length(), torch::kInt64);
  return options;
}

void require_contrastable(const ExplainInput& input, const ExplainInput& foil, bool explain_target) {
  if (explain_target) throw Error("--contrast cannot be combined with --explain-target (units would differ)");
  auto ids = [](const std::vector<Token>& tokens) {
    std::vector<int64_t> out;
    for (const auto& t : tokens) out.push_back(t.id);
    return out;
  };
  if (ids(input.prompt_tokens) != ids(foil.prompt_tokens)) {
    throw Error("the target and the foil split the prompt's last token differently; end the prompt at a word boundary");
  }
}

torch::Tensor ExplainInput::input_ids() const {
  std::vector<int64_t> ids;
  for (const auto& t : prompt_tokens) ids.push_back(t.id);
  for (int64_t i = 0; i + 1 < target_length(); ++i) ids.push_back(target_tokens[static_cast<size_t>(i)].id);
  return torch::tensor(ids, torch::kInt64);
}

torch::Tensor ExplainInput::target_ids() const {
  std::vector<int64_t> ids;
  for (const auto& t : target_tokens) ids.push_back(t.id);
  return torch::tensor(ids, torch::kInt64);
}

const Token& ExplainInput::input_token(int64_t position) const {
  if (position < prompt_length()) return prompt_tokens.at(static_cast<size_t>(position));
  return target_tokens.at(static_cast<size_t>(position - prompt_length()));
}

ExplainInput make_explain_input(const Model& model, const std::string& prompt,
                                const std::string& target, bool split_special) {
  return make_explain_input(model, prompt, target, PromptTokenization{true, split_special});
}

ExplainInput make_explain_input(const Model& model, const std::string& prompt, const std::string& target,
                                const PromptTokenization& tokenization) {
  const bool split_special = tokenization.split_special;
  require_text(prompt, "the prompt");
  require_text(target, "the target");
  require_within_context(model, prompt + target, "prompt and target are together");
  const int64_t limit = model.transformer.config().max_position_embeddings;
  ExplainInput in;
  in.prompt = prompt;
  in.target = target;

  const bool add_bos = tokenization.add_special && model.transformer.config().bos_token_id >= 0;
  const auto joint = model.tokenizer.encode(prompt + target, add_bos, split_special);
  const auto boundary = static_cast<int64_t>(prompt.size());
  bool straddles = false;
  for (const auto& t : joint) {
    if (t.byte_length > 0 && t.byte_start < boundary && t.byte_start + t.byte_length > boundary) {
      straddles = true;
    }
  }
  if (!straddles) {
    const int64_t prompt_chars = count_code_points(prompt);
    for (const auto& t : joint) {
      // Zero-length pieces (BOS, continuation bytes) follow the token before them.
      const bool in_prompt = t.byte_length == 0 ? in.target_tokens.empty() : t.byte_start < boundary;
      if (in_prompt) {
        in.prompt_tokens.push_back(t);
      } else {
        in.target_tokens.push_back(shifted(t, prompt_chars, boundary));
      }
    }
  } else {
    in.prompt_tokens = model.tokenizer.encode(prompt, add_bos, split_special);
    in.target_tokens = model.tokenizer.encode(target, false, split_special);
  }
  // Template tokens (BOS) cover no characters: a prompt needs a token that does.
  const bool prompt_has_text = std::any_of(in.prompt_tokens.begin(), in.prompt_tokens.end(),
                                           [](const Token& t) { return t.length > 0; });
  if (!prompt_has_text) throw Error("the prompt yields no tokens");
  if (in.target_tokens.empty()) throw Error("the target '" + target + "' yields no tokens");

  if (in.input_length() > limit) {
    throw Error("prompt and target are " + std::to_string(in.input_length()) +
                " tokens together, longer than the model's max_position_embeddings (" +
                std::to_string(limit) + ")");
  }
  return in;
}

ExplainInput make_generated_explain_input(const Model& model, const std::string& prompt,
                                          const PromptTokenization& tokenization, int64_t max_new_tokens,
                                          const std::vector<int64_t>& stop_ids) {
  if (max_new_tokens <= 0) throw Error("--generate must be at least 1 token, got " + std::to_string(max_new_tokens));
  require_text(prompt, "the prompt");
  require_within_context(model, prompt, "the prompt is");
  const int64_t limit = model.transformer.config().max_position_embeddings;
  const bool add_bos = tokenization.add_special && model.transformer.config().bos_token_id >= 0;
  ExplainInput in;
  in.prompt = prompt;
  in.prompt_tokens = model.tokenizer.encode(prompt, add_bos, tokenization.split_special);
  in.target_generated = true;
  if (static_cast<int64_t>(in.prompt_tokens.size()) >= limit) {
    throw Error("the prompt is " + std::to_string(in.prompt_tokens.size()) + " tokens, leaving no room to generate "
                "within the model's max_position_embeddings (" + std::to_string(limit) + ")");
  }
  std::vector<int64_t> ids;
  for (const auto& t : in.prompt_tokens) ids.push_back(t.id);
  GenerateOptions generate;
  generate.max_new_tokens = max_new_tokens;
  generate.stop_ids = stop_ids;
  const std::vector<int64_t> target_ids = generate_greedy_ids(model, ids, generate);
  if (target_ids.empty()) throw Error("the model ended its reply at once (its first token is EOS): nothing to explain");
  // Decoding prompt + the first k ids and cutting the prompt's decoding off gives each target
  // token's span; a tokenizer whose decoding is not prefix-stable gets empty spans, not wrong ones.
  const std::string prompt_text = model.tokenizer.decode(ids);
  std::string previous;
  for (const int64_t id : target_ids) {
    ids.push_back(id);
    const std::string full = model.tokenizer.decode(ids);
    const bool stable = full.compare(0, prompt_text.size(), prompt_text) == 0 &&
                        full.compare(prompt_text.size(), previous.size(), previous) == 0;
    const std::string text = stable ? full.substr(prompt_text.size()) : previous;
    Token t;
    t.id = id;
    t.piece = model.tokenizer.piece(id);
    t.start = count_code_points(previous);
    t.length = count_code_points(text) - t.start;
    t.byte_start = static_cast<int64_t>(previous.size());
    t.byte_length = static_cast<int64_t>(text.size()) - t.byte_start;
    in.target_tokens.push_back(t);
    previous = text;
  }
  in.target = previous;
  return in;
}

}  // namespace atman
