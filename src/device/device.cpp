#include "atman/device.hpp"

#include <algorithm>
#include <chrono>

#include "atman/checkpoint.hpp"
#include "atman/error.hpp"
#include "cuda_backend.hpp"

namespace atman {
namespace {

// The CUDA device index of `device` (0 when it names none).
int index_of(const torch::Device& device) { return device.index() < 0 ? 0 : device.index(); }

// "cuda:N" -> N; throws on anything else after "cuda:".
int device_index(const std::string& spec) {
  const std::string digits = spec.substr(5);
  if (digits.empty() || !std::all_of(digits.begin(), digits.end(), [](char c) { return c >= '0' && c <= '9'; }) ||
      digits.size() > 4) {
    throw UsageError("--device '" + spec + "': expected auto, cpu, cuda or cuda:N");
  }
  return std::stoi(digits);
}

int cuda_device_count() { return torch::cuda::is_available() ? static_cast<int>(torch::cuda::device_count()) : 0; }

}  // namespace

bool built_with_cuda() { return cuda_backend::kCompiledIn; }

torch::Device parse_device(const std::string& spec) {
  if (spec == "cpu") return torch::kCPU;
  if (spec == "auto") return cuda_device_count() > 0 ? torch::Device(torch::kCUDA, 0) : torch::Device(torch::kCPU);
  if (spec != "cuda" && spec.rfind("cuda:", 0) != 0) {
    throw UsageError("--device '" + spec + "': expected auto, cpu, cuda or cuda:N");
  }
  const int index = spec == "cuda" ? 0 : device_index(spec);
  if (!built_with_cuda() || !torch::cuda::is_available()) {
    throw Error("--device " + spec + ": " +
                (built_with_cuda() ? std::string("no CUDA device is visible (check nvidia-smi and CUDA_VISIBLE_DEVICES)")
                                   : std::string("this atman was built against a libtorch without CUDA (" TORCH_VERSION
                                                 "); rebuild with tools/setup.sh --torch DIR pointing at a CUDA "
                                                 "libtorch, or use --device cpu")));
  }
  if (index >= cuda_device_count()) {
    throw Error("--device " + spec + ": only " + std::to_string(cuda_device_count()) + " CUDA device(s) are visible");
  }
  return torch::Device(torch::kCUDA, static_cast<c10::DeviceIndex>(index));
}

torch::ScalarType default_dtype(const torch::Device& device) {
  return device.is_cuda() ? torch::kBFloat16 : torch::kFloat32;
}

torch::ScalarType resolve_dtype(const std::string& name, const torch::Device& device) {
  if (name == "auto") return default_dtype(device);
  const auto dtype = parse_dtype(name);
  require_computable(dtype, device);
  return dtype;
}

DeviceMemory device_memory(const torch::Device& device) {
  return device.is_cuda() ? cuda_backend::memory(index_of(device)) : DeviceMemory{};
}

void reset_peak_device_memory(const torch::Device& device) {
  if (device.is_cuda()) cuda_backend::reset_peak(index_of(device));
}

int64_t peak_device_memory(const torch::Device& device) {
  return device.is_cuda() ? cuda_backend::peak_allocated(index_of(device)) : 0;
}

void synchronize(const torch::Device& device) {
  if (device.is_cuda()) cuda_backend::synchronize(index_of(device));
}

torch::Tensor to_device_async(const torch::Tensor& host, const torch::Device& device) {
  if (!device.is_cuda() || !host.device().is_cpu()) return host.to(device);
  return host.contiguous().pin_memory().to(device, /*non_blocking=*/true);
}

AcceleratorInfo accelerator_info() {
  AcceleratorInfo info;
  info.built_with_cuda = built_with_cuda();
  if (info.built_with_cuda) cuda_backend::describe(info);
  return info;
}

double matmul_tflops(const torch::Device& device, torch::ScalarType dtype, int64_t n, int repeats) {
  torch::InferenceMode guard;
  const auto options = torch::TensorOptions().device(device).dtype(dtype);
  auto a = torch::randn({n, n}, options);
  auto b = torch::randn({n, n}, options);
  auto c = torch::matmul(a, b);  // warm-up: kernels chosen, thread pools and page faults
  synchronize(device);
  double best = 1e30;
  for (int r = 0; r < std::max(1, repeats); ++r) {
    const auto start = std::chrono::steady_clock::now();
    c = torch::matmul(a, b);
    synchronize(device);
    const std::chrono::duration<double> elapsed = std::chrono::steady_clock::now() - start;
    best = std::min(best, elapsed.count());
  }
  return 2.0 * static_cast<double>(n) * static_cast<double>(n) * static_cast<double>(n) / best / 1e12;
}

}  // namespace atman
