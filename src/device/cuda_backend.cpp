// CUDA's runtime API for memory, versions and devices, and libtorch's caching allocator for the
// peak of what tensors took (what PyTorch's max_memory_allocated reports). Only the C runtime API
// and the allocator's free functions are used: both are stable from libtorch 1.13 to 2.x.
#include <ATen/detail/CUDAHooksInterface.h>
#include <c10/cuda/CUDACachingAllocator.h>
#include <cuda_runtime_api.h>

#include "atman/error.hpp"
#include "cuda_backend.hpp"

namespace atman::cuda_backend {
namespace {

void check(cudaError_t status, const char* what) {
  if (status != cudaSuccess) throw Error(std::string("CUDA: ") + what + ": " + cudaGetErrorString(status));
}

// cuDNN's version through libtorch's CUDA hooks, where this libtorch's hooks still offer it.
template <typename Hooks>
auto cudnn_version_of(const Hooks& hooks, int) -> decltype(static_cast<long>(hooks.versionCuDNN())) {
  return static_cast<long>(hooks.versionCuDNN());
}
template <typename Hooks>
long cudnn_version_of(const Hooks&, long) {
  return 0;
}

// 12040 -> "12.4"
std::string cuda_version_text(int v) { return std::to_string(v / 1000) + "." + std::to_string((v % 1000) / 10); }

// Makes `index` the current device for its lifetime, then restores the one before.
class DeviceScope {
 public:
  explicit DeviceScope(int index) {
    check(cudaGetDevice(&previous_), "cudaGetDevice");
    check(cudaSetDevice(index), "cudaSetDevice");
  }
  ~DeviceScope() { cudaSetDevice(previous_); }
  DeviceScope(const DeviceScope&) = delete;
  DeviceScope& operator=(const DeviceScope&) = delete;

 private:
  int previous_ = 0;
};

}  // namespace

DeviceMemory memory(int index) {
  const DeviceScope scope(index);
  size_t free = 0, total = 0;
  check(cudaMemGetInfo(&free, &total), "cudaMemGetInfo");
  return {static_cast<int64_t>(free), static_cast<int64_t>(total)};
}

void reset_peak(int index) {
  c10::cuda::CUDACachingAllocator::resetPeakStats(static_cast<c10::DeviceIndex>(index));
}

int64_t peak_allocated(int index) {
  const auto stats = c10::cuda::CUDACachingAllocator::getDeviceStats(static_cast<c10::DeviceIndex>(index));
  return stats.allocated_bytes[0].peak;  // [0]: StatType::AGGREGATE, all pools together
}

void synchronize(int index) {
  const DeviceScope scope(index);
  check(cudaDeviceSynchronize(), "cudaDeviceSynchronize");
}

void describe(AcceleratorInfo& info) {
  int runtime = 0, driver = 0, count = 0;
  if (cudaRuntimeGetVersion(&runtime) == cudaSuccess) info.cuda_runtime = cuda_version_text(runtime);
  if (cudaDriverGetVersion(&driver) == cudaSuccess && driver > 0) info.cuda_driver = cuda_version_text(driver);
  try {
    // cuDNN 9 encodes major·10000 + minor·100 + patch, cuDNN 8 major·1000 + minor·100 + patch.
    const long cudnn = cudnn_version_of(at::detail::getCUDAHooks(), 0);
    const long major_unit = cudnn >= 90000 ? 10000 : 1000;
    if (cudnn > 0) {
      info.cudnn = std::to_string(cudnn / major_unit) + "." + std::to_string((cudnn % major_unit) / 100) + "." +
                   std::to_string(cudnn % 100);
    }
  } catch (const std::exception&) {
    // libtorch built without cuDNN: leave it empty.
  }
  if (cudaGetDeviceCount(&count) != cudaSuccess) return;
  for (int i = 0; i < count; ++i) {
    cudaDeviceProp prop{};
    if (cudaGetDeviceProperties(&prop, i) != cudaSuccess) continue;
    info.gpus.push_back({i, prop.name, static_cast<int64_t>(prop.totalGlobalMem), prop.major, prop.minor});
  }
}

}  // namespace atman::cuda_backend
