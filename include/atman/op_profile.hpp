#pragma once
// Where a piece of work spends its time, per libtorch operator on the CPU or per kernel on a
// CUDA device, from libtorch's own profiler (`atman bench --profile`).
#include <torch/torch.h>

#include <cstdint>
#include <functional>
#include <string>
#include <vector>

namespace atman {

struct OpTime {
  std::string name;  // "aten::softmax", or a CUDA kernel's name
  double milliseconds = 0;
  int64_t calls = 0;
};

struct OpProfile {
  // What the times are: "cuda kernels", "cpu operators (self time)", or why none were recorded.
  std::string what;
  double total_milliseconds = 0;  // of every op recorded, not only those listed
  std::vector<OpTime> ops;        // the most time first
};

// One event as the profiler reports it.
struct ProfiledEvent {
  std::string name;
  uint64_t thread = 0;
  int64_t start_ns = 0, duration_ns = 0;
};

// Per name, the time spent in the events themselves and not in events nested inside them on the
// same thread (aten::matmul calls aten::mm: each keeps its own share); the most time first.
std::vector<OpTime> self_times(std::vector<ProfiledEvent> events);
// Per name, the summed durations of events that do not nest (a device's kernels).
std::vector<OpTime> summed_times(const std::vector<ProfiledEvent>& events);

// Runs `work` under libtorch's profiler and returns, on a CUDA device, its kernels (recorded
// only where this libtorch's profiler has Kineto and CUPTI), else its CPU operators' self times.
OpProfile profile_ops(const std::function<void()>& work, const torch::Device& device);

}  // namespace atman
