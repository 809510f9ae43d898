#include "atman/generate.hpp"

#include <spdlog/spdlog.h>

#include <algorithm>
#include <chrono>

#include "atman/error.hpp"
#include "atman/utf8.hpp"

namespace atman {

Generation generate_greedy(const Model& model, const std::string& prompt,
                           const GenerateOptions& options) {
  if (options.max_new_tokens < 0) throw Error("--max-new-tokens must be >= 0");
  const auto& config = model.transformer.config();
  require_valid_utf8(prompt, "the prompt");
  if (model.tokenizer.surely_longer_than(prompt, config.max_position_embeddings)) {
    throw Error("prompt is more than " + std::to_string(config.max_position_embeddings) +
                " tokens, longer than the model's max_position_embeddings (" +
                std::to_string(config.max_position_embeddings) + ")");
  }
  Generation out;
  for (const auto& t : model.tokenize_prompt(prompt)) out.prompt_ids.push_back(t.id);
  const auto prompt_length = static_cast<int64_t>(out.prompt_ids.size());
  if (prompt_length == 0) throw Error("prompt is empty");
  if (prompt_length > config.max_position_embeddings) {
    throw Error("prompt is " + std::to_string(prompt_length) +
                " tokens, longer than the model's max_position_embeddings (" +
                std::to_string(config.max_position_embeddings) + ")");
  }
  out.new_ids = generate_greedy_ids(model, out.prompt_ids, options);
  std::vector<int64_t> all = out.prompt_ids;
  all.insert(all.end(), out.new_ids.begin(), out.new_ids.end());
  out.text = model.tokenizer.decode(all);
  return out;
}

std::vector<int64_t> generate_greedy_ids(const Model& model, const std::vector<int64_t>& prompt_ids,
                                         const GenerateOptions& options) {
  const auto& config = model.transformer.config();
  const auto prompt_length = static_cast<int64_t>(prompt_ids.size());
  int64_t budget = options.max_new_tokens;
  if (prompt_length + budget > config.max_position_embeddings) {
    budget = config.max_position_embeddings - prompt_length;
    spdlog::warn("generating only {} tokens: the model's context ends at {} positions", budget,
                 config.max_position_embeddings);
  }
  auto stops = [&](int64_t id) {
    auto listed = [id](const std::vector<int64_t>& ids) { return std::find(ids.begin(), ids.end(), id) != ids.end(); };
    return options.stop_at_eos && (id == config.eos_token_id || listed(config.eos_token_ids) || listed(options.stop_ids));
  };

  const auto start = std::chrono::steady_clock::now();
  torch::InferenceMode inference;
  KVCache cache;
  ForwardOptions forward;
  forward.cache = &cache;
  std::vector<int64_t> new_ids;
  // Prefill the prompt, asking only for the last position's logits; then one token at a time.
  auto input = torch::tensor(prompt_ids, torch::kInt64).unsqueeze(0);  // (1, P)
  for (int64_t step = 0; step < budget; ++step) {
    forward.logit_positions = torch::tensor({cache.length() + input.size(1) - 1}, torch::kInt64);
    auto logits = model.transformer.forward(input, forward);  // (1, 1, V)
    const int64_t next = logits.argmax(-1).item<int64_t>();
    if (stops(next)) break;
    new_ids.push_back(next);
    input = torch::tensor({next}, torch::kInt64).unsqueeze(0);  // (1, 1)
  }
  const std::chrono::duration<double> elapsed = std::chrono::steady_clock::now() - start;
  spdlog::debug("prompt {} tokens, generated {} in {:.3f}s ({:.1f} tokens/s)", prompt_length, new_ids.size(),
                elapsed.count(), static_cast<double>(new_ids.size()) / std::max(elapsed.count(), 1e-9));
  return new_ids;
}

}  // namespace atman
