#pragma once
// The calls that need CUDA's own headers, compiled in cuda_backend.cpp when libtorch has CUDA
// and in cuda_backend_none.cpp (answers "none") when it does not. Internal to src/device.
#include <cstdint>
#include <string>

#include "atman/device.hpp"

namespace atman::cuda_backend {

constexpr bool kCompiledIn =
#ifdef ATMAN_WITH_CUDA
    true;
#else
    false;
#endif

DeviceMemory memory(int index);
void reset_peak(int index);
int64_t peak_allocated(int index);
void synchronize(int index);
// Versions and the visible GPUs; `info.built_with_cuda` is set by the caller.
void describe(AcceleratorInfo& info);

}  // namespace atman::cuda_backend
