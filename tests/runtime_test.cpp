// The BLAS libtorch's matmul actually calls is OpenBLAS (reference BLAS is >10× slower).
#include "atman/runtime.hpp"

#include "support/test_support.hpp"

namespace atman::test {
namespace {

TEST(RuntimeTest, SgemmResolvesToOpenBlas) {
  const RuntimeInfo info = runtime_info();
  EXPECT_NE(info.blas_library.find("openblas"), std::string::npos) << info.blas_library;
  EXPECT_GT(info.blas_threads, 0);
}

TEST(RuntimeTest, SetThreadsReachesTorchAndOpenBlas) {
  set_threads(1);
  EXPECT_EQ(runtime_info().torch_threads, 1);
  EXPECT_EQ(runtime_info().blas_threads, 1);
}

}  // namespace
}  // namespace atman::test
