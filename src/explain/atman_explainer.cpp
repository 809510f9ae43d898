#include "atman/atman_explainer.hpp"

#include <spdlog/spdlog.h>

#include <algorithm>
#include <functional>
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

int64_t atman_batch_bytes(const Transformer& model, int64_t length, int64_t tail, int64_t logit_positions,
                          int64_t rows) {
  const ModelConfig& c = model.config();
  const int64_t element = static_cast<int64_t>(c10::elementSize(model.dtype()));
  // Live at the peak of one layer, per row and position: the residual stream, norms and
  // projections (~8·D, the norms' float32 copies 2·D more), the FFN (3·I), the layer's keys and
  // values; per logit position the logits in the compute dtype, then float32 and log-softmax.
  const int64_t per_position = element * (8 * c.hidden_size + 3 * c.intermediate_size + 4 * c.num_key_value_heads * c.head_dim) +
                               4 * 2 * c.hidden_size;
  const int64_t per_logit = (element + 8) * c.vocab_size;
  // Per score: the scores and the probabilities in the compute dtype, room for one more copy,
  // and the float32 softmax a reduced dtype goes through on the CPU. Attention runs in query
  // blocks of attention_block_bytes() / 4 scores for all rows together.
  const bool reduced_on_cpu = !model.device().is_cuda() && model.dtype() != torch::kFloat32;
  const int64_t per_score = 3 * element + (reduced_on_cpu ? 4 : 0);
  const int64_t scores = std::min(rows * per_score * c.num_attention_heads * length * tail,
                                  attention_block_bytes(model.device()) / 4 * per_score);
  return rows * (tail * per_position + logit_positions * per_logit) + scores;
}

int64_t atman_rows_within(const Transformer& model, int64_t length, int64_t tail, int64_t logit_positions,
                          int64_t budget) {
  int64_t lo = 1, hi = int64_t{1} << 20;  // the answer is in [lo, hi)
  while (hi - lo > 1) {
    const int64_t mid = lo + (hi - lo) / 2;
    (atman_batch_bytes(model, length, tail, logit_positions, mid) <= budget ? lo : hi) = mid;
  }
  return lo;
}

int64_t default_memory_budget(const Transformer& model, int64_t length) {
  // One inference pass: every position once, the next token's logits (as generation computes);
  // at least one attention block, so that a short sequence still batches rows.
  const torch::Device device = model.device();
  const int64_t budget = std::max(atman_batch_bytes(model, length, length, 1, 1), attention_block_bytes(device));
  if (!device.is_cuda()) return budget;
  // Never more than 80% of what the device has free now (the weights are already there).
  return std::max<int64_t>(int64_t{64} << 20, std::min<int64_t>(budget, device_memory(device).free_bytes / 5 * 4));
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

namespace {

// One sequence AtMan perturbs: the prompt and one continuation (the target, or a contrast's
// foil). Sequences explained together share the prompt, so rows of all of them run in the same
// passes, from the prompt's cached keys and values.
struct Sequence {
  const ExplainInput* input = nullptr;
  int64_t length = 0, targets = 0;  // T, N
  torch::Tensor ids;                // (T) int64, CPU
  torch::Tensor embeddings;         // (T, D): what conceptual suppression compares
  torch::Tensor rows;               // (U, T) float32, CPU: each unit's factors
  torch::Tensor first;              // (U) int64, CPU: each row's first edited position
  torch::Tensor baseline_ce;        // (N) float32, on the model's device
};

// A suppression row of one sequence, and the position its pass starts from.
struct Row {
  int64_t start, unit, sequence;
};

std::vector<int64_t> to_vector(const torch::Tensor& t) {
  const auto c = t.to(torch::kCPU, torch::kInt64).contiguous();
  return {c.data_ptr<int64_t>(), c.data_ptr<int64_t>() + c.numel()};
}

// (N_s, U) float64 relevance of each sequence, on the CPU. `cache` holds the baseline keys and
// values of sequence 0; all sequences share its first `shared` positions.
std::vector<torch::Tensor> perturbed_passes(const Model& model, const std::vector<Sequence>& sequences,
                                            int64_t first_logit, int64_t shared, const KVCache& cache,
                                            const AtmanOptions& atman, AttentionEdit& edit, AtmanStats& counted) {
  const auto& config = model.transformer.config();
  const torch::Device device = model.transformer.device();
  const auto S = static_cast<int64_t>(sequences.size());
  const int64_t U = sequences.front().rows.size(0);
  int64_t T_max = 0, N_max = 0;
  for (const auto& q : sequences) {
    T_max = std::max(T_max, q.length);
    N_max = std::max(N_max, q.targets);
  }
  // Padded per-sequence tables, so that a batch gathers its rows' ids, factors, targets and
  // baselines with one index_select each. Padding (after each sequence's end) is never attended
  // to by real positions (causal mask), and its logits are never read.
  auto ids = torch::zeros({S, T_max}, torch::kInt64);                 // (S, T_max)
  auto factors = torch::ones({S, U, T_max}, torch::kFloat32);         // (S, U, T_max)
  auto targets = torch::zeros({S, N_max}, torch::kInt64);             // (S, N_max)
  auto baseline = torch::zeros({S, N_max}, sequences.front().baseline_ce.options());  // (S, N_max)
  std::vector<torch::Tensor> relevance;
  for (int64_t q = 0; q < S; ++q) {
    const auto& seq = sequences[static_cast<size_t>(q)];
    ids[q].narrow(0, 0, seq.length).copy_(seq.ids);
    ids[q].narrow(0, seq.length, T_max - seq.length).fill_(seq.ids[seq.length - 1]);
    factors[q].narrow(1, 0, seq.length).copy_(seq.rows);
    targets[q].narrow(0, 0, seq.targets).copy_(seq.input->target_ids());
    baseline[q].narrow(0, 0, seq.targets).copy_(seq.baseline_ce);
    relevance.push_back(torch::zeros({seq.targets, U}, torch::TensorOptions().dtype(torch::kFloat64).device(device)));
  }
  factors = factors.view({S * U, T_max});

  // Rows sorted by where their pass starts: a batch then shares one cached prefix, the positions
  // before its earliest row's first edit, and recomputes only the rest. Rows of several sequences
  // start no later than the shared prompt. Ties go by unit, then by the sequence's ids, so that
  // the order (and every rounding) does not depend on which sequence is the target.
  std::vector<std::vector<int64_t>> ids_of;
  std::vector<int64_t> first_of;  // (S·U): row q·U + u's first edited position
  for (const auto& q : sequences) {
    ids_of.push_back(to_vector(q.ids));
    const auto first = to_vector(q.first);
    first_of.insert(first_of.end(), first.begin(), first.end());
  }
  std::vector<Row> rows;
  for (int64_t q = 0; q < S; ++q) {
    for (int64_t u = 0; u < U; ++u) {
      const int64_t first = first_of[static_cast<size_t>(q * U + u)];
      // A row that edits nothing (factor 1 everywhere) leaves every position as it was: its
      // relevance is exactly 0, and a pass over zero positions has no memory to budget.
      if (first >= sequences[static_cast<size_t>(q)].length) continue;
      rows.push_back({atman.naive ? 0 : std::min(first, shared), u, q});
    }
  }
  std::stable_sort(rows.begin(), rows.end(), [&](const Row& a, const Row& b) {
    if (a.start != b.start) return a.start < b.start;
    if (a.unit != b.unit) return a.unit < b.unit;
    return ids_of[static_cast<size_t>(a.sequence)] < ids_of[static_cast<size_t>(b.sequence)];
  });
  const int64_t budget =
      atman.max_memory_bytes > 0 ? atman.max_memory_bytes : default_memory_budget(model.transformer, T_max);

  const auto R = static_cast<int64_t>(rows.size());
  for (int64_t begin = 0, B = 0; begin < R; begin += B) {
    // The batch starts at its earliest row's start; rows further along the order start later,
    // so later batches recompute less and fit more rows in the budget.
    const int64_t start = rows[static_cast<size_t>(begin)].start;
    B = atman.batch_size;
    if (B <= 0) {
      const int64_t logits = atman.naive ? T_max : std::min(N_max, T_max - start);
      B = atman_rows_within(model.transformer, T_max, T_max - start, logits, budget);
    }
    B = std::min(B, R - begin);
    counted.batch_size = std::max(counted.batch_size, B);
    std::vector<int64_t> sequence_of, row_of, first, lengths;  // (B) each
    int64_t end_position = 0, N_batch = 0;  // the longest sequence of the batch, its targets
    for (int64_t b = 0; b < B; ++b) {
      const Row& r = rows[static_cast<size_t>(begin + b)];
      const Sequence& seq = sequences[static_cast<size_t>(r.sequence)];
      sequence_of.push_back(r.sequence);
      row_of.push_back(r.sequence * U + r.unit);
      first.push_back(first_of[static_cast<size_t>(row_of.back())]);
      lengths.push_back(seq.length);
      end_position = std::max(end_position, seq.length);
      N_batch = std::max(N_batch, seq.targets);
    }
    // Target tokens predicted before `start` cannot change: their relevance stays 0.
    const int64_t logit_from = std::max(first_logit, start);
    if (logit_from > first_logit + N_batch - 1) continue;
    const int64_t L = end_position - start;  // positions recomputed per row
    const auto sequence_index = torch::tensor(sequence_of, torch::kInt64);  // (B)

    KVCache prefix = cache.prefix(start);
    ForwardOptions perturbed;
    perturbed.cache = &prefix;
    perturbed.append_to_cache = false;
    // On the host: the pass reads which keys each row edits there, then moves what it needs.
    edit.key_factors = factors.index_select(0, torch::tensor(row_of, torch::kInt64)).narrow(1, 0, end_position);  // (B, end_position)
    // Rows shorter than the batch's longest are padded: their minimum must skip the padding.
    const bool padded = std::any_of(lengths.begin(), lengths.end(), [&](int64_t l) { return l != end_position; });
    edit.key_lengths = padded ? torch::tensor(lengths, torch::kInt64) : torch::Tensor();  // (B)
    perturbed.edit = &edit;
    if (!atman.naive) perturbed.logit_positions = torch::arange(logit_from, first_logit + N_batch, torch::kInt64);
    const auto tail = ids.index_select(0, sequence_index).narrow(1, start, L);  // (B, L)
    auto logits = model.transformer.forward(tail, perturbed);                    // (B, n, V)
    if (atman.naive) logits = logits.narrow(1, logit_from, first_logit + N_batch - logit_from);
    const int64_t t0 = logit_from - first_logit, n = N_batch - t0;
    const auto wanted = to_device_async(targets.index_select(0, sequence_index).narrow(1, t0, n), device);  // (B, n)
    const auto ce = -torch::log_softmax(logits, -1).gather(2, wanted.unsqueeze(2)).squeeze(2);  // (B, n)
    const auto sequence_on_device = to_device_async(sequence_index, device);
    auto delta = (ce - baseline.index_select(0, sequence_on_device).narrow(1, t0, n)).to(torch::kFloat64);  // (B, n)
    // A target token predicted before a row's own first edited position cannot change (causal
    // mask): its relevance is exactly 0, not the rounding noise of a recomputation.
    const auto predicted_at = torch::arange(logit_from, logit_from + n, wanted.options()).unsqueeze(0);  // (1, n)
    delta.masked_fill_(predicted_at < to_device_async(torch::tensor(first, torch::kInt64), device).unsqueeze(1), 0.0);
    for (int64_t q = 0; q < S; ++q) {
      const int64_t own = sequences[static_cast<size_t>(q)].targets - t0;
      std::vector<int64_t> in_batch, units;
      for (int64_t b = 0; b < B; ++b) {
        if (sequence_of[static_cast<size_t>(b)] != q) continue;
        in_batch.push_back(b);
        units.push_back(rows[static_cast<size_t>(begin + b)].unit);
      }
      if (in_batch.empty() || own <= 0) continue;
      const auto mine = delta.index_select(0, to_device_async(torch::tensor(in_batch, torch::kInt64), device)).narrow(1, 0, own);
      relevance[static_cast<size_t>(q)].narrow(0, t0, own).index_copy_(1, to_device_async(torch::tensor(units, torch::kInt64), device), mine.t());
    }
    counted.forward_passes += 1;
    counted.positions_computed += B * L;
    counted.flops += forward_flops(config, B, L, start, atman.naive ? L : n);
  }
  for (auto& r : relevance) r = r.to(torch::kCPU);  // the one wait for the device
  return relevance;
}

// The sequence of `input`: its ids, embeddings and baseline pass (which fills `cache` when given).
Sequence baseline_sequence(const Model& model, const ExplainInput& input, KVCache* cache) {
  Sequence q;
  q.input = &input;
  q.length = input.input_length();
  q.targets = input.target_length();
  q.ids = input.input_ids();  // (T)
  const int64_t first_logit = input.prompt_length() - 1;  // logits at P−1 .. P+N−2 predict the target
  ForwardOptions baseline;
  baseline.cache = cache;
  baseline.logit_positions = torch::arange(first_logit, first_logit + q.targets, torch::kInt64);
  const auto ids = q.ids.unsqueeze(0);  // (1, T)
  q.baseline_ce = -target_log_probs(model.transformer.forward(ids, baseline), input.target_ids())[0];  // (N)
  q.embeddings = model.transformer.embed(ids)[0];                                                    // (T, D)
  return q;
}

// Points the sequences' suppression rows at `units`.
void set_units(std::vector<Sequence>& sequences, const std::vector<Unit>& units, const SuppressionOptions& suppression) {
  for (Sequence& q : sequences) {
    q.rows = suppression_rows(units, q.embeddings, suppression);  // (U, T)
    q.first = first_suppressed_positions(q.rows);                 // (U)
  }
}

std::vector<std::vector<double>> to_rows(const torch::Tensor& relevance) {
  const auto r = relevance.accessor<double, 2>();
  std::vector<std::vector<double>> out(static_cast<size_t>(relevance.size(0)),
                                       std::vector<double>(static_cast<size_t>(relevance.size(1))));
  for (int64_t t = 0; t < relevance.size(0); ++t) {
    for (int64_t u = 0; u < relevance.size(1); ++u) out[static_cast<size_t>(t)][static_cast<size_t>(u)] = r[t][u];
  }
  return out;
}

std::vector<double> logprobs(const Sequence& q) {
  const auto ce = q.baseline_ce.to(torch::kCPU, torch::kFloat64).contiguous();
  std::vector<double> out;
  for (int64_t t = 0; t < q.targets; ++t) out.push_back(-ce.data_ptr<double>()[t]);
  return out;
}

AttentionEdit make_edit(const ModelConfig& config, const AtmanOptions& atman) {
  AttentionEdit edit;
  edit.log_additive = atman.suppression.mode == SuppressionMode::kLogAdditive;
  if (!atman.layers.empty()) {
    edit.layers.assign(static_cast<size_t>(config.num_hidden_layers), false);
    for (int64_t l : atman.layers) edit.layers[static_cast<size_t>(l)] = true;
  }
  return edit;
}

// (N_s, U) relevance of each sequence for a list of units.
using UnitPasses = std::function<std::vector<torch::Tensor>(const std::vector<Unit>&)>;

// Coarse-to-fine: e.units and their `coarse` relevance are the coarse level. The K most relevant
// coarse units are cut into finer units and explained again; e.units becomes those fine units
// inside them and the other coarse units, in text order, and the mixed relevance comes back.
std::vector<torch::Tensor> refine_units(Explanation& e, const ExplainOptions& options,
                                        const std::vector<torch::Tensor>& coarse, const UnitPasses& passes_over,
                                        int64_t sequence_count, AtmanStats& counted) {
  const RefineOptions& refine = *options.refine;
  Refinement r;
  r.coarse = resolve_granularity(e.input, options.units);
  r.fine = refine.granularity ? *refine.granularity : finer_granularity(r.coarse);
  require_finer(r.fine, r.coarse);
  r.top_k = refine.top_k;
  r.units = e.units;
  {  // the coarse totals rank the coarse units
    Explanation level;
    level.units = r.units;
    level.relevance = to_rows(coarse[0]);
    if (e.contrast) level.contrast = Contrast{e.contrast->foil, to_rows(coarse.back()), {}};
    compute_totals(level, options);
    r.relevance = level.relevance;
    r.total = level.total;
    const auto order = level.ranking();
    r.refined.assign(order.begin(), order.begin() + std::min<int64_t>(refine.top_k, static_cast<int64_t>(order.size())));
  }
  std::vector<bool> is_refined(r.units.size(), false);
  for (int64_t c : r.refined) is_refined[static_cast<size_t>(c)] = true;

  std::vector<Unit> fine, mixed;
  std::vector<int64_t> columns;  // each mixed unit's column in [coarse | fine]
  const auto U_coarse = static_cast<int64_t>(r.units.size());
  for (const Unit& c : r.units) {
    if (!is_refined[static_cast<size_t>(c.index)]) {
      columns.push_back(c.index);
      mixed.push_back(c);
      mixed.back().coarse_unit = c.index;
      continue;
    }
    for (Unit part : split_unit(e.input, c, r.fine)) {
      part.coarse_unit = c.index;
      part.refined = true;
      columns.push_back(U_coarse + static_cast<int64_t>(fine.size()));
      fine.push_back(part);
      mixed.push_back(part);
    }
  }
  for (size_t m = 0; m < mixed.size(); ++m) mixed[m].index = static_cast<int64_t>(m);
  const auto fine_relevance = passes_over(fine);
  UnitOptions full_fine = options.units;
  full_fine.granularity = r.fine;
  r.passes = counted.rows;
  r.full_fine_passes = static_cast<int64_t>(build_units(e.input, full_fine).size()) * sequence_count;

  std::vector<torch::Tensor> out;
  const auto order = torch::tensor(columns, torch::kInt64);
  for (size_t s = 0; s < coarse.size(); ++s) out.push_back(torch::cat({coarse[s], fine_relevance[s]}, 1).index_select(1, order));
  e.units = std::move(mixed);
  e.refinement = std::move(r);
  return out;
}

// The explanation of `input` (and, with a foil, of the foil in the same passes).
Explanation explain_sequences(const Model& model, const ExplainInput& input, const ExplainInput* foil,
                              const ExplainOptions& options, const AtmanOptions& atman, AtmanStats* stats) {
  const auto& config = model.transformer.config();
  atman.validate(config);
  torch::InferenceMode inference;

  Explanation e;
  e.method = "atman";
  e.model_path = model.dir.string();
  e.model_config_hash = model_config_hash(model.dir);
  e.input = input;
  e.units = build_units(input, options.units);
  const int64_t P = input.prompt_length();

  // The baseline pass of the target keeps every position's keys/values for the perturbed passes.
  KVCache cache;
  std::vector<Sequence> sequences{baseline_sequence(model, input, &cache)};
  // A foil equal to the target is the same computation: it is done once (relevance exactly 0).
  const bool foil_is_target = foil != nullptr && foil->input_ids().equal(input.input_ids());
  if (foil != nullptr && !foil_is_target) sequences.push_back(baseline_sequence(model, *foil, nullptr));
  const auto S = static_cast<int64_t>(sequences.size());
  AtmanStats counted{0, S, 0, 0, 0};
  for (const auto& q : sequences) {
    counted.positions_computed += q.length;
    counted.flops += forward_flops(config, 1, q.length, 0, q.targets);
  }
  AttentionEdit edit = make_edit(config, atman);
  // Several sequences share the prompt: their passes start no later than its end.
  const int64_t shared = S > 1 ? P : input.input_length();
  const UnitPasses passes_over = [&](const std::vector<Unit>& units) {
    set_units(sequences, units, atman.suppression);
    counted.rows += static_cast<int64_t>(units.size()) * S;
    return perturbed_passes(model, sequences, P - 1, shared, cache, atman, edit, counted);
  };
  auto relevance = passes_over(e.units);
  if (foil != nullptr) e.contrast = Contrast{*foil, {}, {}};
  if (options.refine) relevance = refine_units(e, options, relevance, passes_over, S, counted);
  if (stats != nullptr) *stats = counted;
  spdlog::debug("atman: {} units, {} sequences, {} passes of up to {} rows, {} positions recomputed, {:.3g} GFLOP",
                e.units.size(), S, counted.forward_passes, counted.batch_size, counted.positions_computed,
                counted.flops / 1e9);

  e.relevance = to_rows(relevance[0]);
  e.baseline_logprobs = logprobs(sequences[0]);
  if (foil != nullptr) {
    e.contrast = foil_is_target ? Contrast{*foil, e.relevance, e.baseline_logprobs}
                                : Contrast{*foil, to_rows(relevance[1]), logprobs(sequences[1])};
  }
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
  if (options.refine) e.params["refine"] = refine_name(*options.refine);
  compute_totals(e, options);
  return e;
}

}  // namespace

Explanation explain_atman(const Model& model, const ExplainInput& input, const ExplainOptions& options,
                          const AtmanOptions& atman, AtmanStats* stats) {
  return explain_sequences(model, input, nullptr, options, atman, stats);
}

Explanation explain_atman_contrast(const Model& model, const ExplainInput& input, const ExplainInput& foil,
                                   const ExplainOptions& options, const AtmanOptions& atman, AtmanStats* stats) {
  require_contrastable(input, foil, options.units.explain_target);
  return explain_sequences(model, input, &foil, options, atman, stats);
}

}  // namespace atman
