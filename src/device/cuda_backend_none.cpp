// A libtorch without CUDA: there is no device memory to count and nothing to wait for.
#include "cuda_backend.hpp"

namespace atman::cuda_backend {

DeviceMemory memory(int) { return {}; }
void reset_peak(int) {}
int64_t peak_allocated(int) { return 0; }
void synchronize(int) {}
void describe(AcceleratorInfo&) {}

}  // namespace atman::cuda_backend
