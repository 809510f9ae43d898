#pragma once
// Where a model lives and computes: the CPU or one CUDA device. Everything device-specific the
// rest of atman needs (free and peak memory, synchronisation, what the machine has) is here, so
// explainers only ever ask a tensor or the model for its device.
#include <cstdint>
#include <string>
#include <vector>

#include <torch/torch.h>

namespace atman {

// "auto" (CUDA when this libtorch has it and a GPU is visible, else the CPU) | "cpu" | "cuda" |
// "cuda:N". Throws Error naming the problem: a CPU-only libtorch, no visible GPU, N out of range.
torch::Device parse_device(const std::string& spec);

// The compute dtype a device uses unless told otherwise: bfloat16 on CUDA, float32 on the CPU.
torch::ScalarType default_dtype(const torch::Device& device);
// "auto" -> default_dtype(device); otherwise parse_dtype(name). Refuses float16 on the CPU.
torch::ScalarType resolve_dtype(const std::string& name, const torch::Device& device);

// True when this executable was built against a libtorch with CUDA (ATMAN_WITH_CUDA).
bool built_with_cuda();

struct DeviceMemory {
  int64_t free_bytes = 0;
  int64_t total_bytes = 0;
};
// Free and total memory of a CUDA device (cudaMemGetInfo); zeros on the CPU.
DeviceMemory device_memory(const torch::Device& device);

// Peak bytes allocated by libtorch on a CUDA device since the last reset (max_memory_allocated);
// 0 on the CPU, where bench and eval report the process's peak RSS instead.
void reset_peak_device_memory(const torch::Device& device);
int64_t peak_device_memory(const torch::Device& device);

// Waits for the device's queued work (timings must include it); nothing on the CPU.
void synchronize(const torch::Device& device);

// `host` moved to `device` without waiting for the work already queued there. A plain .to() from
// the CPU to a GPU first waits for every kernel queued on the stream, so a pass that copies its
// small index and factor tensors up would let the GPU run dry between passes; this one stages
// them in pinned memory and copies asynchronously (libtorch keeps the pinned copy alive until
// the copy is done). Elsewhere it is host.to(device).
torch::Tensor to_device_async(const torch::Tensor& host, const torch::Device& device);

struct GpuInfo {
  int index = 0;
  std::string name;
  int64_t total_bytes = 0;
  int compute_major = 0, compute_minor = 0;
};
struct AcceleratorInfo {
  bool built_with_cuda = false;
  std::string cuda_runtime;  // "12.4", or "" without CUDA
  std::string cuda_driver;   // the driver's CUDA version
  std::string cudnn;         // "9.1.0", or "" when absent
  std::vector<GpuInfo> gpus;
};
AcceleratorInfo accelerator_info();

// TFLOP/s of an n×n×n matmul of `dtype` on `device`, best of `repeats` (synchronised).
double matmul_tflops(const torch::Device& device, torch::ScalarType dtype, int64_t n, int repeats);

}  // namespace atman
