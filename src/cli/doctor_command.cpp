#include <cstdlib>
#include <iostream>

#include "atman/runtime.hpp"
#include "commands.hpp"

namespace atman::cli {
namespace {

void run_doctor() {
  const RuntimeInfo info = runtime_info();
  const bool openblas = info.blas_library.find("openblas") != std::string::npos;
  std::cout << "libtorch:        " << info.torch_version << "\n"
            << "BLAS (sgemm_):   " << info.blas_library << (openblas ? "" : "  <- NOT OpenBLAS") << "\n"
            << "BLAS kernels:    " << (info.blas_core.empty() ? "unknown" : info.blas_core)
            << (std::getenv("OPENBLAS_CORETYPE") ? " (OPENBLAS_CORETYPE)" : "") << "\n"
            << "OMP_WAIT_POLICY: " << (std::getenv("OMP_WAIT_POLICY") ? std::getenv("OMP_WAIT_POLICY") : "(unset)") << "\n"
            << "torch threads:   " << info.torch_threads << "\n"
            << "OpenBLAS threads: " << info.blas_threads << "\n";
  std::cout << "matmul 1024x1024 float32: " << matmul_gflops(1024, 5) << " GFLOP/s" << std::endl;
}

}  // namespace

void setup_doctor(CLI::App& app) {
  auto* cmd = app.add_subcommand("doctor", "Print the BLAS library, thread counts and matmul speed");
  cmd->callback([] { run_doctor(); });
}

}  // namespace atman::cli
