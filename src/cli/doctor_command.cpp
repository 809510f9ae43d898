#include <cstdlib>
#include <iostream>
#include <thread>

#include "atman/attention_kernel.hpp"
#include "atman/cgroup_limits.hpp"
#include "atman/checkpoint.hpp"
#include "atman/device.hpp"
#include "atman/runtime.hpp"
#include "atman/text_format.hpp"
#include "commands.hpp"
#include "model_options.hpp"

namespace atman::cli {
namespace {

// Why the core count is below the affinity's, when a cgroup limits the process.
std::string cgroup_cpu_note() {
  const auto limit = process_cgroup_limits().cpu_cores;
  return limit ? " (cgroup CPU limit: " + format_number(*limit) + " cores)" : "";
}

std::string memory_line() {
  const auto budget = available_memory();
  return budget ? format_bytes(budget->bytes) + " (" + budget->source + ")" : "unknown (no /proc/meminfo)";
}

void print_accelerators() {
  const AcceleratorInfo info = accelerator_info();
  if (!info.built_with_cuda) {
    std::cout << "CUDA:            not in this libtorch (CPU only; see README: building against another libtorch)\n";
    return;
  }
  std::cout << "CUDA runtime:    " << (info.cuda_runtime.empty() ? "unknown" : info.cuda_runtime)
            << ", driver supports " << (info.cuda_driver.empty() ? "none (no driver found)" : info.cuda_driver) << "\n"
            << "cuDNN:           " << (info.cudnn.empty() ? "none" : info.cudnn) << "\n";
  if (info.gpus.empty()) std::cout << "GPUs:            none visible\n";
  for (const auto& gpu : info.gpus) {
    std::cout << "cuda:" << gpu.index << ":          " << gpu.name << ", " << format_fixed(gpu.total_bytes / double(1 << 30), 1)
              << " GiB, compute capability " << gpu.compute_major << "." << gpu.compute_minor << "\n";
  }
}

void run_doctor() {
  const RuntimeInfo info = runtime_info();
  const bool openblas = info.blas_library.find("openblas") != std::string::npos;
  std::cout << "libtorch:        " << info.torch_version << "\n"
            << "--attention fused: "
            << (fused_attention_native() ? "scaled_dot_product_attention" : "tensor arithmetic (no scaled_dot_product_attention in this build)")
            << "\n"
            << "BLAS (sgemm_):   " << info.blas_library << (openblas ? "" : "  <- NOT OpenBLAS") << "\n"
            << "BLAS kernels:    " << (info.blas_core.empty() ? "unknown" : info.blas_core)
            << (std::getenv("OPENBLAS_CORETYPE") ? " (OPENBLAS_CORETYPE)" : "") << "\n"
            << "OMP_WAIT_POLICY: " << (std::getenv("OMP_WAIT_POLICY") ? std::getenv("OMP_WAIT_POLICY") : "(unset)") << "\n"
            << "cores:           " << available_cores() << " this process may use, of "
            << std::thread::hardware_concurrency() << " on the machine" << cgroup_cpu_note() << "\n"
            << "memory:          " << memory_line() << " this process may use\n"
            << "torch threads:   " << info.torch_threads << "\n"
            << "OpenBLAS threads: " << info.blas_threads << "\n";
  print_accelerators();
  const torch::Device device = selected_device();
  std::cout << "device:          " << device.str() << " (--device " << selected_device_spec() << "), default dtype "
            << dtype_name(default_dtype(device)) << "\n";
  std::cout << "matmul 1024x1024 float32: " << matmul_gflops(1024, 5) << " GFLOP/s" << std::endl;
  if (device.is_cuda()) {
    std::cout << "matmul 8192x8192 bfloat16 on " << device.str() << ": "
              << format_fixed(matmul_tflops(device, torch::kBFloat16, 8192, 10), 1) << " TFLOP/s" << std::endl;
  }
}

}  // namespace

void setup_doctor(CLI::App& app) {
  auto* cmd = app.add_subcommand("doctor", "Print libtorch, BLAS, threads, CUDA devices and matmul speed");
  cmd->callback([] { run_doctor(); });
}

}  // namespace atman::cli
