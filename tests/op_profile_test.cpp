// Where work spends its time: self times of nested operators, summed kernels, and a real profile.
#include "atman/op_profile.hpp"

#include "support/test_support.hpp"

namespace atman::test {
namespace {

const OpTime* find_op(const std::vector<OpTime>& ops, const std::string& name) {
  for (const auto& op : ops) {
    if (op.name == name) return &op;
  }
  return nullptr;
}

TEST(OpProfileTest, SelfTimeLeavesOutWhatRunsInside) {
  // Thread 1: matmul [0, 10) holds mm [1, 9), which holds copy [2, 4); then softmax [10, 13),
  // which starts where matmul ends and so is not inside it. Thread 2: mm [3, 8), alone.
  const int64_t us = 1000;
  std::vector<ProfiledEvent> events = {
      {"aten::softmax", 1, 10 * us, 3 * us}, {"aten::mm", 1, 1 * us, 8 * us},
      {"aten::copy_", 1, 2 * us, 2 * us},    {"aten::matmul", 1, 0, 10 * us},
      {"aten::mm", 2, 3 * us, 5 * us},
  };
  const auto ops = self_times(events);
  ASSERT_EQ(ops.size(), 4U);
  EXPECT_EQ(ops[0].name, "aten::mm");  // the most time first
  EXPECT_DOUBLE_EQ(ops[0].milliseconds, (6.0 + 5.0) / 1000);
  EXPECT_EQ(ops[0].calls, 2);
  EXPECT_DOUBLE_EQ(find_op(ops, "aten::matmul")->milliseconds, 2.0 / 1000);
  EXPECT_DOUBLE_EQ(find_op(ops, "aten::copy_")->milliseconds, 2.0 / 1000);
  EXPECT_DOUBLE_EQ(find_op(ops, "aten::softmax")->milliseconds, 3.0 / 1000);
}

TEST(OpProfileTest, KernelsAreSummedByName) {
  const std::vector<ProfiledEvent> kernels = {
      {"gemm", 0, 0, 4000}, {"softmax", 0, 1000, 1000}, {"gemm", 0, 5000, 2000}};
  const auto ops = summed_times(kernels);
  ASSERT_EQ(ops.size(), 2U);
  EXPECT_EQ(ops[0].name, "gemm");
  EXPECT_DOUBLE_EQ(ops[0].milliseconds, 0.006);
  EXPECT_EQ(ops[0].calls, 2);
  EXPECT_DOUBLE_EQ(ops[1].milliseconds, 0.001);
}

TEST(OpProfileTest, ProfilesTheOperatorsOfRealWork) {
  const auto a = torch::randn({256, 256});
  torch::Tensor kept;
  const OpProfile profile = profile_ops(
      [&] {
        for (int i = 0; i < 3; ++i) kept = torch::softmax(torch::mm(a, a), -1);
      },
      torch::kCPU);
  EXPECT_EQ(profile.what, "cpu operators (self time)");
  const OpTime* mm = find_op(profile.ops, "aten::mm");
  ASSERT_NE(mm, nullptr);
  EXPECT_EQ(mm->calls, 3);
  EXPECT_GT(mm->milliseconds, 0.0);
  ASSERT_NE(find_op(profile.ops, "aten::softmax"), nullptr);
  double sum = 0;
  for (const auto& op : profile.ops) sum += op.milliseconds;
  EXPECT_DOUBLE_EQ(profile.total_milliseconds, sum);
  EXPECT_TRUE(kept.defined());
  // The profiler is off again: a second profile starts clean.
  const OpProfile again = profile_ops([&] { kept = torch::mm(a, a); }, torch::kCPU);
  EXPECT_EQ(find_op(again.ops, "aten::mm")->calls, 1);
}

}  // namespace
}  // namespace atman::test
