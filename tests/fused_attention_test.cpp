// The pieces of the fused attention kernel (src/model/fused_attention.hpp) against the formulas of
// DESIGN step 5; TransformerTest checks the kernel inside whole passes.
#include "fused_attention.hpp"

#include <limits>

#include "support/test_support.hpp"

namespace atman::test {
namespace {

class FusedAttentionTest : public SeededTest {
 protected:
  static constexpr int64_t B = 2, KVH = 2, H = 4, T = 5, S = 9, hd = 6;
  torch::Tensor q, k, v, scores, factors;

  void SetUp() override {
    SeededTest::SetUp();
    q = torch::randn({B, H, T, hd});
    k = torch::randn({B, KVH, S, hd});
    v = torch::randn({B, KVH, S, hd});
    // Every query head's scores: head h reads key head h / 2.
    scores = torch::matmul(q, k.repeat_interleave(H / KVH, 1).transpose(2, 3));  // (B, H, T, S)
    factors = torch::rand({B, S}) * 0.9 + 0.05;                                  // (B, S)
  }
};

TEST_F(FusedAttentionTest, TheExtraDimensionCarriesTheMinimumShift) {
  using fused::EditForm;
  EXPECT_EQ(fused::extended_head_dim(hd, EditForm::kMinShift), 8);
  EXPECT_EQ(fused::extended_head_dim(8, EditForm::kMinShift), 16);
  EXPECT_EQ(fused::extended_head_dim(hd, EditForm::kNone), hd);
  const auto minimum = scores.amin(-1, true);  // (B, H, T, 1)
  const auto extended =
      fused::extend_keys(k, v, H, factors.view({B, 1, 1, S}), EditForm::kMinShift);
  const auto queries = fused::extend_queries(q, minimum, EditForm::kMinShift);
  ASSERT_EQ(queries.sizes(), torch::IntArrayRef({B, H, T, 8}));
  ASSERT_EQ(extended.keys.sizes(), torch::IntArrayRef({B, H, S, 8}));
  // (s − m)·f, once the row's shift m is taken off again.
  const auto carried = torch::matmul(queries, extended.keys.transpose(2, 3)) - minimum;
  EXPECT_LT(max_abs_diff(carried, (scores - minimum) * factors.view({B, 1, 1, S})), 1e-5);
  // The values of each query head's key head, then zeros.
  EXPECT_EQ(max_abs_diff(extended.values.narrow(-1, 0, hd), v.repeat_interleave(H / KVH, 1)), 0.0);
  EXPECT_EQ(extended.values.narrow(-1, hd, 8 - hd).abs().max().item<float>(), 0.0F);
}

TEST_F(FusedAttentionTest, TheExtraDimensionCarriesLogAdditiveFactorsZeroIncluded) {
  using fused::EditForm;
  factors[0][3] = 0.0;  // key 3 removed from row 0
  const auto log_f = factors.log().view({B, 1, 1, S});
  const auto extended = fused::extend_keys(k, v, H, log_f, EditForm::kLogAdditive);
  const auto queries = fused::extend_queries(q, torch::Tensor(), EditForm::kLogAdditive);
  const auto carried = torch::matmul(queries, extended.keys.transpose(2, 3));  // (B, H, T, S)
  EXPECT_LT(max_abs_diff(torch::softmax(carried, -1), torch::softmax(scores + log_f, -1)), 1e-6);
  EXPECT_EQ(torch::softmax(carried, -1).select(0, 0).select(-1, 3).abs().max().item<float>(), 0.0F);
}

TEST_F(FusedAttentionTest, ScaledDotProductIsTheMaskedSoftmaxOfTheProducts) {
  auto allowed = torch::rand({T, S}) > 0.4;  // (T, S)
  allowed.select(1, 0).fill_(true);          // every query sees some key
  const auto keys = k.repeat_interleave(H / KVH, 1), values = v.repeat_interleave(H / KVH, 1);
  const auto masked =
      scores.masked_fill(allowed.logical_not(), -std::numeric_limits<float>::infinity());
  const auto expected = torch::matmul(torch::softmax(masked, -1), values);  // (B, H, T, hd)
  EXPECT_LT(max_abs_diff(fused::scaled_dot_product(q, keys, values, allowed), expected), 1e-5);
}

}  // namespace
}  // namespace atman::test
