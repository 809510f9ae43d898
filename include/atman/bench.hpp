#pragma once
// Measurements behind `atman bench`: one mode per call, so that each runs in a fresh process
// and its peak resident memory is its own.
#include <cstdint>
#include <string>
#include <vector>

#include "atman/atman_explainer.hpp"
#include "atman/gradient_explainers.hpp"
#include "atman/model.hpp"
#include "atman/op_profile.hpp"

namespace atman {

enum class BenchMode {
  kForward,  // one plain forward pass of the sequence, batch 1, every logit: inference
  kAtman,    // the explanation as `atman explain` runs it
  kNaive,    // the explanation without prefix reuse or logit trimming (--naive)
  kIntegratedGradients,  // gradient baselines, for their memory and time beside AtMan's
  kInputXGradient,
  kAttAttr,
};
// "forward" | "atman" | "naive" | "ig" | "ixg" | "attattr"
BenchMode parse_bench_mode(const std::string& name);
std::string bench_mode_name(BenchMode mode);

struct BenchRequest {
  BenchMode mode = BenchMode::kAtman;
  int64_t prompt_tokens = 256;  // P, BOS included
  int64_t target_tokens = 8;    // N
  AtmanOptions atman;           // batch size, memory budget, suppression (naive is set by mode)
  GradientOptions gradient;     // steps and batch of the gradient modes
  int repeats = 1;              // forward mode: passes timed (the mean is reported)
  uint64_t seed = 0;            // of the synthetic prompt
  // Units of the explanation modes. The synthetic prompt has words but no sentence ends or blank
  // lines: paragraph (or sentence) makes the whole prompt one unit, one perturbed pass.
  Granularity granularity = Granularity::kToken;
  // Runs the measured work under libtorch's profiler (whose overhead is then in the times).
  bool profile = false;
};

struct BenchResult {
  BenchMode mode = BenchMode::kAtman;
  int64_t tokens = 0;          // T = P + N − 1
  int64_t rows = 0;            // suppression rows, or path steps of a gradient method (0 for forward)
  int64_t forward_passes = 0;
  double wall_seconds = 0;     // of one explanation or one forward pass
  double flops = 0;
  int64_t peak_rss_bytes = 0;  // of the whole process, model included
  // On a GPU: the most libtorch held on the device at once (max_memory_allocated), weights
  // included; 0 on the CPU.
  int64_t peak_device_bytes = 0;
  std::vector<std::vector<double>> relevance;  // (N, U); empty for forward
  OpProfile profile;                           // when requested
};

// P prompt tokens (BOS, then ids drawn from the tokenizer's ordinary pieces) and N target
// tokens, with consistent text and spans. Deterministic for a seed.
ExplainInput synthetic_input(const Model& model, int64_t prompt_tokens, int64_t target_tokens,
                             uint64_t seed);

BenchResult run_bench(const Model& model, const BenchRequest& request);

// VmHWM of this process (peak resident set), bytes; 0 where /proc is unavailable.
int64_t peak_rss_bytes();
// Lowers VmHWM to the current resident set (Linux /proc/self/clear_refs), so the next
// peak_rss_bytes() is the peak of what runs in between; false where the kernel refuses.
bool reset_peak_rss();

}  // namespace atman
