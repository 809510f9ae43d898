#pragma once
// What the process computes with: libtorch version, which BLAS library actually serves
// matrix products, and thread counts. `atman doctor` prints it; a test asserts OpenBLAS.
#include <cstdint>
#include <optional>
#include <string>

namespace atman {

struct RuntimeInfo {
  std::string torch_version;
  std::string blas_library;  // file that defines the sgemm_ the process resolves, or "unknown"
  int torch_threads = 0;     // intra-op threads
  int blas_threads = 0;      // OpenBLAS's own pool, 0 when not OpenBLAS
  std::string blas_core;     // OpenBLAS's kernel family ("SkylakeX", "Haswell", ...), or ""
};

// Two settings that only take effect when the libraries load, so this sets them and then
// re-executes the program once (call it first thing in main(); it returns when nothing changes):
// - OpenBLAS picks its kernels from the CPU model, and a model newer than the library (seen
//   here: Xeon family 6 model 207 with OpenBLAS 0.3.21) falls back to "Prescott" SSE3 kernels,
//   4× slower. OPENBLAS_CORETYPE is then set to SkylakeX (AVX-512) or Haswell (AVX2).
// - libtorch's OpenMP threads and OpenBLAS's own threads take turns on the same cores; with
//   OpenMP's default active waiting, each pool spins while the other works (measured: an
//   explanation 2.3× slower). OMP_WAIT_POLICY=PASSIVE and OPENBLAS_THREAD_TIMEOUT=10 make idle
//   threads of both pools sleep instead.
// Then it tunes glibc malloc to reuse activation buffers instead of page-faulting them anew.
// Variables the user has set are left alone.
void configure_runtime_environment(char** argv);

RuntimeInfo runtime_info();

// The cores this process may keep busy: its CPU affinity (taskset, a Slurm or cpuset binding),
// capped by its cgroup's CPU limit rounded up (a container's --cpus, a Kubernetes limit), not
// every core of the machine.
int available_cores();

// Memory this process can have without being killed or swapping: the machine's MemAvailable,
// or its cgroup memory limit where that is lower (a container's --memory, a Slurm job's --mem).
// `source` names which one. std::nullopt where neither can be read (no /proc).
struct MemoryBudget {
  int64_t bytes = 0;
  std::string source;  // "MemAvailable" or "cgroup memory limit"
};
std::optional<MemoryBudget> available_memory();

// Sets libtorch's intra-op threads and OpenBLAS's pool together (n >= 1), so the two do not
// oversubscribe the cores. n <= 0 means every available core.
void set_threads(int n);

// oneDNN (libtorch's bfloat16 matmuls) emits AMX instructions on CPUs that advertise them,
// and dies of SIGILL where they do not really work. Caps oneDNN below AMX unless the user
// chose an ISA. Must run before the first oneDNN call; Transformer's constructor calls it.
void prepare_cpu_features();

// GFLOP/s of an n×n float32 matmul through libtorch, best of `repeats`.
double matmul_gflops(int64_t n, int repeats);

}  // namespace atman
