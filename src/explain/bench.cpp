#include "atman/bench.hpp"

#include <chrono>
#include <fstream>
#include <functional>
#include <random>
#include <sstream>

#include "atman/device.hpp"
#include "atman/error.hpp"
#include "atman/utf8.hpp"

namespace atman {

BenchMode parse_bench_mode(const std::string& name) {
  if (name == "forward") return BenchMode::kForward;
  if (name == "atman") return BenchMode::kAtman;
  if (name == "naive") return BenchMode::kNaive;
  if (name == "ig") return BenchMode::kIntegratedGradients;
  if (name == "ixg") return BenchMode::kInputXGradient;
  if (name == "attattr") return BenchMode::kAttAttr;
  throw Error("unknown bench mode '" + name + "' (expected forward, atman, naive, ig, ixg, attattr)");
}

std::string bench_mode_name(BenchMode mode) {
  switch (mode) {
    case BenchMode::kForward: return "forward";
    case BenchMode::kAtman: return "atman";
    case BenchMode::kNaive: return "naive";
    case BenchMode::kIntegratedGradients: return "ig";
    case BenchMode::kInputXGradient: return "ixg";
    case BenchMode::kAttAttr: return "attattr";
  }
  return "atman";
}

ExplainInput synthetic_input(const Model& model, int64_t prompt_tokens, int64_t target_tokens,
                             uint64_t seed) {
  if (prompt_tokens < 2 || target_tokens < 1) {
    throw Error("a benchmark needs at least 2 prompt tokens and 1 target token");
  }
  const int64_t limit = model.transformer.config().max_position_embeddings;
  if (prompt_tokens + target_tokens - 1 > limit) {
    throw Error(std::to_string(prompt_tokens) + " + " + std::to_string(target_tokens) +
                " tokens exceed the model's max_position_embeddings (" + std::to_string(limit) + ")");
  }
  std::mt19937_64 rng(seed);
  // Ids past the byte pieces (3..258 in SentencePiece byte-fallback models) are whole pieces.
  const int64_t first_id = std::min<int64_t>(259, model.tokenizer.vocab_size() - 1);
  std::uniform_int_distribution<int64_t> pick(first_id, model.tokenizer.vocab_size() - 1);
  auto make = [&](int64_t count, std::string& text, std::vector<Token>& tokens) {
    for (int64_t i = 0; i < count; ++i) {
      Token t;
      t.id = pick(rng);
      t.piece = model.tokenizer.piece(t.id);
      std::string shown = t.piece;
      for (size_t at; (at = shown.find("\xE2\x96\x81")) != std::string::npos;) shown.replace(at, 3, " ");
      t.start = count_code_points(text);
      t.byte_start = static_cast<int64_t>(text.size());
      text += shown;
      t.length = count_code_points(text) - t.start;
      t.byte_length = static_cast<int64_t>(text.size()) - t.byte_start;
      tokens.push_back(std::move(t));
    }
  };
  ExplainInput in;
  const int64_t bos = model.transformer.config().bos_token_id;
  if (bos >= 0) in.prompt_tokens.push_back(Token{bos, model.tokenizer.piece(bos), 0, 0, 0, 0});
  make(prompt_tokens - static_cast<int64_t>(in.prompt_tokens.size()), in.prompt, in.prompt_tokens);
  make(target_tokens, in.target, in.target_tokens);
  return in;
}

bool reset_peak_rss() {
  std::ofstream clear("/proc/self/clear_refs");
  clear << "5";
  clear.flush();
  return static_cast<bool>(clear);
}

int64_t peak_rss_bytes() {
  std::ifstream status("/proc/self/status");
  std::string line;
  while (std::getline(status, line)) {
    if (line.rfind("VmHWM:", 0) == 0) {
      std::istringstream fields(line.substr(6));
      int64_t kib = 0;
      fields >> kib;
      return kib * 1024;
    }
  }
  return 0;
}

BenchResult run_bench(const Model& model, const BenchRequest& request) {
  const ExplainInput input = synthetic_input(model, request.prompt_tokens, request.target_tokens, request.seed);
  BenchResult r;
  r.mode = request.mode;
  r.tokens = input.input_length();
  using clock = std::chrono::steady_clock;
  const torch::Device device = model.transformer.device();
  // The timed work, under the profiler when asked.
  auto measure = [&](const std::function<void()>& work) {
    if (request.profile) {
      r.profile = profile_ops(work, device);
    } else {
      work();
    }
  };
  if (request.mode == BenchMode::kForward) {
    torch::InferenceMode inference;
    const auto ids = input.input_ids().unsqueeze(0);
    model.transformer.forward(ids);  // warm-up: thread pools, first-touch of the weights, kernels
    synchronize(device);
    reset_peak_device_memory(device);
    measure([&] {
      const auto start = clock::now();
      const int repeats = std::max(1, request.repeats);
      for (int i = 0; i < repeats; ++i) model.transformer.forward(ids);
      synchronize(device);
      r.wall_seconds = std::chrono::duration<double>(clock::now() - start).count() / repeats;
    });
    r.forward_passes = 1;
    r.flops = forward_flops(model.transformer.config(), 1, r.tokens, 0, r.tokens);
  } else {
    {
      // Warm-up, as for the forward mode, with the target's logits only (as every explanation
      // computes them): all positions' logits would set the peak of a long prompt by themselves.
      torch::InferenceMode inference;
      model.transformer.forward(input.input_ids().unsqueeze(0), target_logit_options(input));
    }
    synchronize(device);
    reset_peak_device_memory(device);
    measure([&] {
      const auto start = clock::now();
      const auto& config = model.transformer.config();
      const int64_t T = r.tokens, N = input.target_length(), M = request.gradient.steps;
      ExplainOptions units;
      units.units.granularity = request.granularity;
      if (request.mode == BenchMode::kAtman || request.mode == BenchMode::kNaive) {
        AtmanOptions atman = request.atman;
        atman.naive = request.mode == BenchMode::kNaive;
        AtmanStats stats;
        r.relevance = explain_atman(model, input, units, atman, &stats).relevance;
        r.rows = stats.rows;
        r.forward_passes = stats.forward_passes;
        r.flops = stats.flops;
      } else {
        GradientStats stats;
        // A backward pass costs about twice its forward pass.
        if (request.mode == BenchMode::kIntegratedGradients) {
          r.relevance = explain_integrated_gradients(model, input, units, request.gradient, &stats).relevance;
          r.rows = M;
          r.flops = forward_flops(config, M, T, 0, N) * (1.0 + 2.0 * static_cast<double>(N));
        } else if (request.mode == BenchMode::kInputXGradient) {
          r.relevance = explain_input_x_gradient(model, input, units, &stats).relevance;
          r.rows = 1;
          r.flops = forward_flops(config, 1, T, 0, N) * (1.0 + 2.0 * static_cast<double>(N));
        } else {
          r.relevance = explain_attattr(model, input, units, request.gradient, &stats).relevance;
          r.rows = M;
          // Its hook sees every row of every layer, so the last layer computes them all.
          r.flops = forward_flops(config, M, T, 0, N, /*whole_last_layer=*/true) * 3.0 * static_cast<double>(config.num_hidden_layers);
        }
        r.forward_passes = stats.forward_passes;
        r.flops += forward_flops(config, 1, T, 0, N);  // the baseline pass
      }
      synchronize(device);
      r.wall_seconds = std::chrono::duration<double>(clock::now() - start).count();
    });
  }
  r.peak_rss_bytes = peak_rss_bytes();
  r.peak_device_bytes = peak_device_memory(device);
  return r;
}

}  // namespace atman
