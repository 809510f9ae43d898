#pragma once
// A prompt and target turned into the token sequence every explanation method runs on:
// x = prompt tokens (with BOS) + target tokens[:-1], length T = P + N − 1.
#include <cstdint>
#include <string>
#include <vector>

#include <torch/torch.h>

#include "atman/model.hpp"
#include "atman/tokenizer.hpp"

namespace atman {

// Where one message's content sits in a chat prompt (the text its template rendered).
struct MessageSpan {
  int64_t message = 0;  // index into the conversation
  std::string role;     // "system", "user", "assistant", "tool"
  int64_t start = 0;    // characters into the prompt
  int64_t length = 0;
  int64_t trimmed_front = 0;  // characters of the content before `start` that the template trimmed off
};

// Where one retrieved document (or the question after them) sits in the prompt.
struct DocumentSpan {
  int64_t document = 0;  // index into the documents given; -1 for the question
  int64_t start = 0;     // characters into the prompt
  int64_t length = 0;
};

struct ExplainInput {
  std::string prompt;
  std::string target;
  // A chat prompt's message contents, in order; empty for a plain prompt. Units then cover only
  // these spans: template scaffolding and special tokens are never units.
  std::vector<MessageSpan> messages;
  // Documents placed before the question (--document, a record's "documents"), in order, and
  // the question after them (length 0 when there is none). Units then tile each document and the
  // question: the document template's own text is never a unit.
  std::vector<DocumentSpan> documents;
  DocumentSpan question{-1, 0, 0};
  bool target_generated = false;  // the target is the model's own greedy continuation
  std::vector<Token> prompt_tokens;  // BOS first when the model uses one; spans in `prompt`
  std::vector<Token> target_tokens;  // spans in `target`; N >= 1

  int64_t prompt_length() const { return static_cast<int64_t>(prompt_tokens.size()); }  // P
  int64_t target_length() const { return static_cast<int64_t>(target_tokens.size()); }  // N
  int64_t input_length() const { return prompt_length() + target_length() - 1; }          // T
  // (T) int64: prompt + target[:-1], the sequence the model reads.
  torch::Tensor input_ids() const;
  // (N) int64: the target ids predicted at positions P−1 .. P+N−2.
  torch::Tensor target_ids() const;
  // Token at input position i (prompt tokens, then target tokens).
  const Token& input_token(int64_t position) const;
};

// (B, n, V) logits at the positions predicting n target tokens, (n) their ids -> (B, n)
// log p(target). Every method scores the target through this.
torch::Tensor target_log_probs(const torch::Tensor& logits, const torch::Tensor& target_ids);

// Forward options asking only for the logits that predict the targets: positions P−1 .. P+N−2.
ForwardOptions target_logit_options(const ExplainInput& input);

// A contrast needs the target and the foil to share the prompt's tokens and the units over them:
// throws naming the problem otherwise (the prompt's last token split differently, or
// --explain-target, whose units would differ).
void require_contrastable(const ExplainInput& input, const ExplainInput& foil, bool explain_target);

// Tokenizes prompt + target as one text, so the target is split exactly as the model would
// read it after the prompt (" Tom" stays "▁T" "om", not a lone "▁" then "Tom"). When a token
// straddles the prompt/target boundary the two are tokenized separately instead. Throws
// atman::Error for an empty prompt or target, a target that yields no tokens, or a sequence
// longer than the model's context. `split_special`: special-token text in the prompt or target
// is tokenized as plain text (tokenizers' split_special_tokens).
ExplainInput make_explain_input(const Model& model, const std::string& prompt,
                                const std::string& target, bool split_special = false);

// How a prompt's text becomes tokens.
struct PromptTokenization {
  bool add_special = true;     // BOS (or the post-processor's template); false for rendered chats, which carry their own
  bool split_special = false;  // special-token text is plain text
};
ExplainInput make_explain_input(const Model& model, const std::string& prompt, const std::string& target,
                                const PromptTokenization& tokenization);

// The input of explaining the model's own greedy continuation of `prompt` (up to
// `max_new_tokens`, stopping at the config's EOS ids and `stop_ids`): the generated ids are
// explained as they are; the target text and spans come from decoding them after the prompt.
ExplainInput make_generated_explain_input(const Model& model, const std::string& prompt,
                                          const PromptTokenization& tokenization, int64_t max_new_tokens,
                                          const std::vector<int64_t>& stop_ids = {});

}  // namespace atman
