#include "atman/atman_explainer.hpp"

#include <spdlog/spdlog.h>

#include <algorithm>
#include <sstream>

#include "atman/device.hpp"
#include "atman/error.hpp"

namespace atman {
void AtmanOptions::validate(const ModelConfig& config) const {
  suppression.validate();
  if (batch_size < 0) throw Error("--batch-size must be >= 0 (0 chooses from memory)");
  if (max_memory_bytes < 0) throw Error("--max-memory must be >= 0 (0 = automatic)");
  for (int64_t l : layers) {
    if (l < 0 || l >= config.num_hidden_layers) {
      throw Error("--layers: layer " + std::to_string(l) + " does not exist (the model has " +
                  std::to_string(config.num_hidden_layers) + ")");
    }
  }
}

int64_t atman_row_bytes(const ModelConfig& c, int64_t length, int64_t tail, int64_t logit_positions) {
  // Live at the peak of one layer: the residual stream, norms and projections (~8·D), the FFN
  // (3·I), a few copies of the scores (4·H·S: raw, shifted and scaled, masked, softmax), the
  // keys/values of the layer for all S positions; then the logits and their log-softmax.
  const int64_t per_position = 8 * c.hidden_size + 3 * c.intermediate_size +
                               4 * c.num_attention_heads * length + 4 * c.num_key_value_heads * c.head_dim;
  return 4 * (tail * per_position + 2 * logit_positions * c.vocab_size);
}

int64_t default_memory_budget(const ModelConfig& c, int64_t length, const torch::Device& device) {
  const int64_t one_pass = std::max<int64_t>(int64_t{64} << 20, atman_row_bytes(c, length, length, length));
  if (!device.is_cuda()) return one_pass;
  // A GPU computes a short pass's few rows no faster than one: give it at least 1 GiB of rows,
  // but never more than 80% of what the device has free now (the weights are already there).
  const int64_t free = device_memory(device).free_bytes;
  return std::max<int64_t>(int64_t{64} << 20, std::min<int64_t>(std::max<int64_t>(one_pass, int64_t{1} << 30), free / 5 * 4));
}

std::vector<int64_t> parse_layer_list(const std::string& text, int64_t num_layers) {
  std::vector<int64_t> layers;
  std::stringstream in(text);
  std::string item;
  auto number = [&](const std::string& s) {
    size_t used = 0;
    int64_t v = -1;
    try {
      v = std::stoll(s, &used);
    } catch (const std::exception&) {
      used = 0;
    }
    if (used != s.size() || s.empty() || v < 0 || v >= num_layers) {
      throw Error("--layers: '" + s + "' is not a layer index in [0, " +
                  std::to_string(num_layers - 1) + "]");
    }
    return v;
  };
  while (std::getline(in, item, ',')) {
    const auto dash = item.find('-');
    if (dash == std::string::npos) {
      layers.push_back(number(item));
    } else {
      const int64_t lo = number(item.substr(0, dash)), hi = number(item.substr(dash + 1));
      if (hi < lo) throw Error("--layers: range '" + item + "' runs backwards");
      for (int64_t l = lo; l <= hi; ++l) layers.push_back(l);
    }
  }
  if (layers.empty()) throw Error("--layers: empty list");
  std::sort(layers.begin(), layers.end());
  layers.erase(std::unique(layers.begin(), layers.end()), layers.end());
  return layers;
}

Explanation explain_atman(const Model& model, const ExplainInput& input,
                          const ExplainOptions& options, const AtmanOptions& atman,
                          AtmanStats* stats) {
  const auto& config = model.transformer.config();
  atman.validate(config);
  torch::InferenceMode inference;

  Explanation e;
  e.method = "atman";
  e.model_path = model.dir.string();
  e.model_config_hash = model_config_hash(model.dir);
  e.input = input;
  e.units = build_units(input, options.units);

  const int64_t P = input.prompt_length(), N = input.target_length(), T = input.input_length();
  const int64_t U = static_cast<int64_t>(e.units.size());
  // Ids and the suppression plan stay on the CPU (the transformer checks and moves ids itself);
  // everything computed per row stays on the model's device until the end, so a GPU never
  // waits for the host inside the loop.
  const torch::Device device = model.transformer.device();
  const auto ids = input.input_ids().unsqueeze(0);  // (1, T)
  const auto targets = input.target_ids().to(device);  // (N)
  const int64_t first_logit = P - 1;                 // logits at P−1 .. P+N−2 predict the target

  // Baseline pass: keeps every position's keys/values for the perturbed passes to reuse.
  KVCache baseline_cache;
  ForwardOptions baseline;
  baseline.cache = &baseline_cache;
  baseline.logit_positions = torch::arange(first_logit, first_logit + N, torch::kInt64);
  const auto baseline_ce = -target_log_probs(model.transformer.forward(ids, baseline), targets)[0];  // (N)

  AttentionEdit edit;
  edit.log_additive = atman.suppression.mode == SuppressionMode::kLogAdditive;
  if (!atman.layers.empty()) {
    edit.layers.assign(static_cast<size_t>(config.num_hidden_layers), false);
    for (int64_t l : atman.layers) edit.layers[static_cast<size_t>(l)] = true;
  }
  const auto embeddings = model.transformer.embed(ids)[0];  // (T, D)
  const auto rows = suppression_rows(e.units, embeddings, atman.suppression);  // (U, T)
  // Rows sorted by their first suppressed position: a batch then shares one cached prefix,
  // the positions before its earliest suppression, and recomputes only the rest.
  const auto first = first_suppressed_positions(rows);  // (U)
  const auto order = std::get<1>(first.sort(/*stable=*/true, 0, false));
  const auto first_on_device = first.to(device);         // (U)
  const int64_t budget =
      atman.max_memory_bytes > 0 ? atman.max_memory_bytes : default_memory_budget(config, T, device);

  auto relevance = torch::zeros({N, U}, torch::TensorOptions().dtype(torch::kFloat64).device(device));  // (N, U)
  AtmanStats counted{U, 1, 0, T, forward_flops(config, 1, T, 0, N)};
  for (int64_t begin = 0, B = 0; begin < U; begin += B) {
    // The batch starts at its earliest row's first suppressed position; rows further along the
    // order start later, so later batches recompute less and fit more rows in the budget.
    const int64_t start = atman.naive ? 0 : first[order[begin]].item<int64_t>();
    // Rows in order suppress nothing from here on (factor 1 leaves every position as it is):
    // their relevance is exactly 0, and a pass over zero positions has no memory to budget.
    if (start >= T) break;
    B = atman.batch_size;
    if (B <= 0) {
      const int64_t logits = atman.naive ? T : std::min(N, T - start);
      B = std::max<int64_t>(1, budget / atman_row_bytes(config, T, T - start, logits));
    }
    B = std::min(B, U - begin);
    counted.batch_size = std::max(counted.batch_size, B);
    const auto chosen = order.narrow(0, begin, B);  // (B) on the CPU
    const auto chosen_on_device = chosen.to(device);  // (B)
    // Target tokens predicted before `start` cannot change: their relevance stays 0.
    const int64_t logit_from = std::max(first_logit, start);
    if (logit_from > first_logit + N - 1) continue;

    KVCache prefix = baseline_cache.prefix(start);
    ForwardOptions perturbed;
    perturbed.cache = &prefix;
    perturbed.append_to_cache = false;
    edit.key_factors = rows.index_select(0, chosen).to(device);  // (B, T)
    perturbed.edit = &edit;
    if (!atman.naive) {
      perturbed.logit_positions = torch::arange(logit_from, first_logit + N, torch::kInt64);
    }
    auto tail = ids.narrow(1, start, T - start).expand({B, T - start});  // (B, T − start)
    auto logits = model.transformer.forward(tail, perturbed);
    if (atman.naive) logits = logits.narrow(1, logit_from, first_logit + N - logit_from);
    const int64_t t0 = logit_from - first_logit;
    auto ce = -target_log_probs(logits, targets.narrow(0, t0, N - t0));  // (B, N − t0)
    auto delta = (ce - baseline_ce.narrow(0, t0, N - t0)).to(torch::kFloat64);  // (B, N − t0)
    // A target token predicted before a row's own first suppressed position cannot change
    // (causal mask): its relevance is exactly 0, not the rounding noise of a recomputation.
    auto predicted_at = torch::arange(logit_from, first_logit + N, targets.options()).unsqueeze(0);
    delta.masked_fill_(predicted_at < first_on_device.index_select(0, chosen_on_device).unsqueeze(1), 0.0);
    delta = delta.t();  // (N − t0, B)
    relevance.narrow(0, t0, N - t0).index_copy_(1, chosen_on_device, delta);
    counted.forward_passes += 1;
    counted.positions_computed += B * (T - start);
    counted.flops += forward_flops(config, B, T - start, start,
                                   atman.naive ? T : first_logit + N - logit_from);
  }
  if (stats != nullptr) *stats = counted;
  spdlog::debug("atman: {} units, {} passes of up to {} rows, {} positions recomputed, {:.3g} GFLOP",
                U, counted.forward_passes, counted.batch_size, counted.positions_computed, counted.flops / 1e9);

  e.relevance.assign(static_cast<size_t>(N), std::vector<double>(static_cast<size_t>(U)));
  relevance = relevance.to(torch::kCPU);  // the one wait for the device
  auto r = relevance.accessor<double, 2>();
  for (int64_t t = 0; t < N; ++t) {
    for (int64_t u = 0; u < U; ++u) e.relevance[t][u] = r[t][u];
  }
  auto base = baseline_ce.to(torch::kCPU, torch::kFloat64);
  for (int64_t t = 0; t < N; ++t) e.baseline_logprobs.push_back(-base[t].item<double>());

  e.params = {{"factor", atman.suppression.factor},
              {"suppression", suppression_mode_name(atman.suppression.mode)},
              {"conceptual_threshold", atman.suppression.conceptual_threshold
                                           ? nlohmann::json(*atman.suppression.conceptual_threshold)
                                           : nlohmann::json("off")},
              {"modify_factor", atman.suppression.modify_factor},
              {"layers", atman.layers.empty() ? nlohmann::json("all") : nlohmann::json(atman.layers)},
              {"granularity", granularity_name(options.units.granularity)},
              {"delimiter", options.units.delimiter},
              {"explain_target", options.units.explain_target},
              {"postprocess", postprocess_name(options.postprocess)},
              {"normalize", options.normalize},
              {"naive", atman.naive}};
  compute_totals(e, options);
  return e;
}

}  // namespace atman
