#include "atman/runtime.hpp"

#include "atman/cgroup_limits.hpp"

#include <dlfcn.h>
#include <malloc.h>
#include <sched.h>
#include <unistd.h>

#include <algorithm>
#include <cmath>
#include <chrono>
#include <cstdlib>
#include <fstream>
#include <limits>
#include <mutex>
#include <thread>

#include <torch/torch.h>

namespace atman {
namespace {

using OpenblasGetThreads = int (*)();
using OpenblasSetThreads = void (*)(int);
using OpenblasGetCorename = char* (*)();

std::string openblas_core() {
  auto get = reinterpret_cast<OpenblasGetCorename>(dlsym(RTLD_DEFAULT, "openblas_get_corename"));
  return get != nullptr ? std::string(get()) : std::string();
}

}  // namespace

void prepare_cpu_features() {
  static std::once_flag once;
  std::call_once(once, [] {
    // Seen here: a VM whose CPU advertises AMX and whose kernel grants the permission, yet
    // tilezero still faults. AVX-512 BF16 is the highest ISA that works everywhere it exists;
    // a user who knows better sets ONEDNN_MAX_CPU_ISA themselves (never overwritten).
    setenv("ONEDNN_MAX_CPU_ISA", "AVX512_CORE_BF16", /*overwrite=*/0);
    setenv("DNNL_MAX_CPU_ISA", "AVX512_CORE_BF16", /*overwrite=*/0);
  });
}

RuntimeInfo runtime_info() {
  RuntimeInfo info;
  info.torch_version = TORCH_VERSION;
  info.blas_library = "unknown";
  // The definition the dynamic linker hands out for sgemm_ is the one libtorch calls.
  if (void* sgemm = dlsym(RTLD_DEFAULT, "sgemm_"); sgemm != nullptr) {
    Dl_info where{};
    if (dladdr(sgemm, &where) != 0 && where.dli_fname != nullptr) info.blas_library = where.dli_fname;
  }
  info.torch_threads = torch::get_num_threads();
  info.blas_core = openblas_core();
  if (auto get = reinterpret_cast<OpenblasGetThreads>(dlsym(RTLD_DEFAULT, "openblas_get_num_threads"))) {
    info.blas_threads = get();
  }
  return info;
}

void configure_runtime_environment(char** argv) {
  bool changed = false;
  if (std::getenv("OMP_WAIT_POLICY") == nullptr) {
    setenv("OMP_WAIT_POLICY", "PASSIVE", /*overwrite=*/1);
    changed = true;
  }
  const std::string core = openblas_core();
  if (std::getenv("OPENBLAS_CORETYPE") == nullptr &&
      (core == "Prescott" || core == "Core2" || core == "Nehalem")) {
    const char* better = __builtin_cpu_supports("avx512f") && __builtin_cpu_supports("avx512bw") ? "SkylakeX"
                         : __builtin_cpu_supports("avx2")                                      ? "Haswell"
                                                                                              : nullptr;
    if (better != nullptr) {
      setenv("OPENBLAS_CORETYPE", better, /*overwrite=*/1);
      changed = true;
    }
  }
  // OpenBLAS's idle threads spin (sched_yield) for 2^28 cycles by default; 2^10 lets them
  // sleep soon and leave the cores to libtorch's element-wise work.
  if (std::getenv("OPENBLAS_THREAD_TIMEOUT") == nullptr) {
    setenv("OPENBLAS_THREAD_TIMEOUT", "10", /*overwrite=*/1);
    changed = true;
  }
  // execv only returns on failure: then carry on with the settings as they were.
  if (changed) execv("/proc/self/exe", argv);

  // Activations are allocated and freed at every layer. By default glibc serves big blocks with
  // fresh mmap()s and trims freed memory, so every pass page-faults its buffers in again
  // (measured: a quarter of an explanation's time). Keep blocks up to 32 MiB (glibc's maximum)
  // in the heap and freed memory for reuse; the peak is unchanged.
  mallopt(M_MMAP_THRESHOLD, 32 << 20);
  mallopt(M_TRIM_THRESHOLD, 1 << 30);
}

int available_cores() {
  int cores = static_cast<int>(std::max(1u, std::thread::hardware_concurrency()));
  cpu_set_t cpus;
  CPU_ZERO(&cpus);
  // Fails only where the machine has more CPUs than cpu_set_t holds (1024): all of them, then.
  if (sched_getaffinity(0, sizeof(cpus), &cpus) == 0 && CPU_COUNT(&cpus) > 0) cores = CPU_COUNT(&cpus);
  // A limit of 1.5 cores keeps 2 threads busy part of the time: round up.
  if (const auto limit = process_cgroup_limits().cpu_cores) {
    cores = std::min(cores, static_cast<int>(std::ceil(*limit)));
  }
  return std::max(cores, 1);
}

std::optional<MemoryBudget> available_memory() {
  std::optional<MemoryBudget> budget;
  // "MemAvailable:   22817640 kB": what the kernel can hand out without swapping, page cache included.
  std::ifstream meminfo("/proc/meminfo");
  for (std::string key; meminfo >> key;) {
    int64_t kib = 0;
    if (key == "MemAvailable:" && meminfo >> kib) budget = MemoryBudget{kib * 1024, "MemAvailable"};
    meminfo.ignore(std::numeric_limits<std::streamsize>::max(), '\n');
  }
  if (const auto limit = process_cgroup_limits().memory_bytes; limit && (!budget || *limit < budget->bytes)) {
    budget = MemoryBudget{*limit, "cgroup memory limit"};
  }
  return budget;
}

void set_threads(int n) {
  if (n <= 0) n = available_cores();
  torch::set_num_threads(n);
  if (auto set = reinterpret_cast<OpenblasSetThreads>(dlsym(RTLD_DEFAULT, "openblas_set_num_threads"))) {
    set(n);
  }
}

double matmul_gflops(int64_t n, int repeats) {
  torch::InferenceMode guard;
  auto a = torch::randn({n, n});
  auto b = torch::randn({n, n});
  auto c = torch::matmul(a, b);  // warm-up: thread pool and page faults
  double best = 1e30;
  for (int r = 0; r < repeats; ++r) {
    const auto start = std::chrono::steady_clock::now();
    c = torch::matmul(a, b);
    const std::chrono::duration<double> elapsed = std::chrono::steady_clock::now() - start;
    best = std::min(best, elapsed.count());
  }
  return 2.0 * static_cast<double>(n) * n * n / best / 1e9;
}

}  // namespace atman
