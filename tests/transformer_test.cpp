// Properties of the forward pass on a tiny model built in code (DESIGN.md's facts).
#include "atman/transformer.hpp"

#include <cmath>

#include "support/test_support.hpp"

namespace atman::test {
namespace {

class TransformerTest : public SeededTest {
 protected:
  Transformer model = tiny_transformer();
  torch::Tensor input = ids({1, 5, 9, 3, 14, 7, 2, 11});  // (1, 8)
  static constexpr int64_t kLength = 8;

  // (1, S) factors: 1 everywhere except `factor` at `position`.
  static torch::Tensor suppress(int64_t position, double factor, int64_t length = kLength) {
    auto f = torch::ones({1, length});
    f[0][position] = factor;
    return f;
  }
};

TEST_F(TransformerTest, LogitsHaveOneRowPerPosition) {
  auto logits = model.forward(input);
  EXPECT_EQ(logits.sizes(), (std::vector<int64_t>{1, kLength, 16}));
  EXPECT_TRUE(torch::isfinite(logits).all().item<bool>());
}

TEST_F(TransformerTest, BatchedRowsEqualRowsRunOneAtATime) {
  auto batch = torch::stack({input[0], input[0].flip(0), (input[0] + 3) % 16});  // (3, 8)
  auto factors = torch::stack({suppress(2, 0.1)[0], suppress(5, 0.0)[0], torch::ones({kLength})});
  AttentionEdit edit{factors, {}};
  ForwardOptions options;
  options.edit = &edit;
  auto batched = model.forward(batch, options);  // (3, 8, V)
  for (int64_t r = 0; r < 3; ++r) {
    AttentionEdit row_edit{factors.narrow(0, r, 1), {}};
    ForwardOptions row_options;
    row_options.edit = &row_edit;
    auto single = model.forward(batch.narrow(0, r, 1), row_options);
    EXPECT_LT(max_abs_diff(batched.narrow(0, r, 1), single), 1e-5) << "row " << r;
  }
}

TEST_F(TransformerTest, FactorOneEverywhereEqualsNoEdit) {
  AttentionEdit edit{torch::ones({1, kLength}), {}};
  ForwardOptions options;
  options.edit = &edit;
  EXPECT_LT(max_abs_diff(model.forward(input, options), model.forward(input)), 1e-5);
}

TEST_F(TransformerTest, SuppressionChangesOnlyPositionsFromTheSuppressedOneOn) {
  const int64_t j = 4;
  AttentionEdit edit{suppress(j, 0.1), {}};
  ForwardOptions options;
  options.edit = &edit;
  auto edited = model.forward(input, options);
  auto plain = model.forward(input);
  for (int64_t i = 0; i < kLength; ++i) {
    const double diff = max_abs_diff(edited[0][i], plain[0][i]);
    if (i < j) {
      EXPECT_LT(diff, 1e-5) << "position " << i << " precedes the suppressed one";
    } else {
      EXPECT_GT(diff, 1e-3) << "position " << i << " should see the suppression";
    }
  }
}

TEST_F(TransformerTest, EditOnOneLayerDiffersFromEditOnAll) {
  AttentionEdit all{suppress(1, 0.0), {}};
  AttentionEdit first_only{suppress(1, 0.0), {true, false}};
  AttentionEdit none{suppress(1, 0.0), {false, false}};
  ForwardOptions a, b, c;
  a.edit = &all;
  b.edit = &first_only;
  c.edit = &none;
  EXPECT_GT(max_abs_diff(model.forward(input, a), model.forward(input, b)), 1e-4);
  EXPECT_LT(max_abs_diff(model.forward(input, c), model.forward(input)), 1e-6);
}

TEST_F(TransformerTest, MinimumShiftRunsOverAllKeysBeforeTheMask) {
  // With the minimum taken over future keys too, changing only the LAST token changes an
  // edited earlier row whenever that token's key lowers the row's minimum. Check the edit is
  // exactly (s − min_all) · f by comparing to a hand-built single-layer reference.
  ModelConfig c = tiny_config();
  c.num_hidden_layers = 1;
  Transformer one_layer = tiny_transformer(c, 3);
  const auto& w = one_layer.weights().layers[0];
  auto x = one_layer.embed(input);  // (1, T, D)
  auto h = x * torch::rsqrt(x.pow(2).mean(-1, true) + c.rms_norm_eps) * w.input_norm;
  const int64_t T = kLength, H = 4, KVH = 2, hd = 2;
  auto q = torch::linear(h, w.q_proj).view({1, T, H, hd}).transpose(1, 2);
  auto k = torch::linear(h, w.k_proj).view({1, T, KVH, hd}).transpose(1, 2);
  auto v = torch::linear(h, w.v_proj).view({1, T, KVH, hd}).transpose(1, 2);
  auto pos = torch::arange(T, torch::kFloat32);
  auto inv = 1.0 / torch::pow(10000.0, torch::arange(0, hd, 2, torch::kFloat32) / hd);
  auto ang = torch::outer(pos, inv);
  ang = torch::cat({ang, ang}, -1);
  auto rot = [&](const torch::Tensor& t) {
    auto rh = torch::cat({-t.narrow(-1, 1, 1), t.narrow(-1, 0, 1)}, -1);
    return t * ang.cos() + rh * ang.sin();
  };
  q = rot(q);
  k = rot(k).repeat_interleave(2, 1);  // (1, H, T, hd): head h uses kv head h / 2
  v = v.repeat_interleave(2, 1);
  auto f = suppress(3, 0.2);
  auto s = torch::matmul(q, k.transpose(2, 3)) / std::sqrt(2.0);
  s = (s - std::get<0>(s.min(-1, true))) * f.view({1, 1, 1, T});
  s = s.masked_fill(torch::ones({T, T}).triu(1).to(torch::kBool), -INFINITY);
  auto ctx = torch::matmul(torch::softmax(s, -1), v).transpose(1, 2).reshape({1, T, H * hd});
  auto y = x + torch::linear(ctx, w.o_proj);
  auto h2 = y * torch::rsqrt(y.pow(2).mean(-1, true) + c.rms_norm_eps) * w.pre_feedforward_norm;
  y = y + torch::linear(torch::silu(torch::linear(h2, w.gate_proj)) * torch::linear(h2, w.up_proj),
                        w.down_proj);
  const auto& fn = one_layer.weights().final_norm;
  auto expected = torch::linear(y * torch::rsqrt(y.pow(2).mean(-1, true) + c.rms_norm_eps) * fn,
                                one_layer.weights().lm_head);

  AttentionEdit edit{f, {}};
  ForwardOptions options;
  options.edit = &edit;
  EXPECT_LT(max_abs_diff(one_layer.forward(input, options), expected), 1e-5);
}

TEST_F(TransformerTest, CachedIncrementalPassEqualsFullPass) {
  auto full = model.forward(input);
  KVCache cache;
  ForwardOptions options;
  options.cache = &cache;
  auto first = model.forward(input.narrow(1, 0, 5), options);  // positions 0..4
  std::vector<torch::Tensor> pieces{first};
  for (int64_t p = 5; p < kLength; ++p) pieces.push_back(model.forward(input.narrow(1, p, 1), options));
  EXPECT_EQ(cache.length(), kLength);
  EXPECT_LT(max_abs_diff(torch::cat(pieces, 1), full), 1e-5);
}

TEST_F(TransformerTest, EditedPassReusingTheBaselinePrefixEqualsFullEditedPass) {
  // Suppressing position j leaves positions < j untouched, so their cached keys/values serve.
  const int64_t j = 3;
  KVCache baseline;
  ForwardOptions fill;
  fill.cache = &baseline;
  model.forward(input, fill);

  auto factors = torch::stack({suppress(j, 0.1)[0], suppress(j + 2, 0.0)[0]});  // (2, T)
  AttentionEdit edit{factors, {}};
  ForwardOptions full_options;
  full_options.edit = &edit;
  auto full = model.forward(input.expand({2, kLength}), full_options);  // (2, T, V)

  KVCache prefix = baseline.prefix(j);  // shared by both rows (batch 1)
  ForwardOptions reuse;
  reuse.edit = &edit;
  reuse.cache = &prefix;
  auto tail = model.forward(input.narrow(1, j, kLength - j).expand({2, kLength - j}), reuse);
  EXPECT_LT(max_abs_diff(tail, full.narrow(1, j, kLength - j)), 1e-5);
  EXPECT_EQ(baseline.length(), kLength) << "the baseline cache must not be modified";
}

TEST_F(TransformerTest, LogitPositionsSelectRowsOfTheFullResult) {
  auto full = model.forward(input);
  ForwardOptions options;
  options.logit_positions = torch::tensor({2, 7, 5}, torch::kInt64);
  auto picked = model.forward(input, options);
  ASSERT_EQ(picked.size(1), 3);
  EXPECT_LT(max_abs_diff(picked, full.index_select(1, options.logit_positions)), 1e-6);
}

// With logit positions the last layer computes only their rows (its keys and values still at
// every position): the same rows as the whole pass, under sliding windows, an edit, query blocks
// of one row, and autograd.
TEST_F(TransformerTest, TheLastLayerAtTheLogitPositionsComputesTheirRowsOfTheWholePass) {
  for (const int64_t window : {int64_t{0}, int64_t{3}}) {
    ModelConfig c = tiny_config();
    c.sliding_window = window;
    const Transformer t(c, random_weights(c, 5, 0.5));
    const auto batch = torch::randint(0, 16, {2, 12}, torch::kInt64);  // (2, 12)
    AttentionEdit edit{torch::rand({2, 12}) * 0.9 + 0.05, {}};
    const auto positions = torch::tensor({9, 3, 11, 4}, torch::kInt64);
    for (const bool edited : {false, true}) {
      ForwardOptions whole, picked;
      whole.edit = picked.edit = edited ? &edit : nullptr;
      picked.logit_positions = positions;
      const auto expected = t.forward(batch, whole).index_select(1, positions);  // (2, 4, V)
      EXPECT_LT(max_abs_diff(t.forward(batch, picked), expected), 1e-5) << "window " << window << " edit " << edited;
      picked.query_block = 1;
      EXPECT_LT(max_abs_diff(t.forward(batch, picked), expected), 1e-5) << "blocks of 1, window " << window;
      torch::NoGradGuard no_grad;
      picked.query_block = 0;
      EXPECT_LT(max_abs_diff(t.forward(batch, picked), expected), 1e-5) << "no grad, window " << window;
    }
  }
}

TEST_F(TransformerTest, SlidingWindowShowsTheLastWKeysIncludingTheQueryItself) {
  // One layer, so a position's output depends only on the keys its own query sees.
  ModelConfig c = tiny_config();
  c.num_hidden_layers = 1;
  c.sliding_window = 3;
  const Transformer windowed(c, random_weights(c, 3, 0.5));
  auto changed = input.clone();
  changed[0][0] = 6;  // position 0 differs
  const auto a = windowed.forward(input), b = windowed.forward(changed);  // (1, 8, V)
  // Query 2 sees keys 0..2 (q − 3 < k ≤ q); query 3 sees 1..3, no longer position 0.
  EXPECT_GT(max_abs_diff(a.select(1, 2), b.select(1, 2)), 1e-4);
  EXPECT_EQ(max_abs_diff(a.select(1, 3), b.select(1, 3)), 0.0);
  EXPECT_EQ(max_abs_diff(a.narrow(1, 4, 4), b.narrow(1, 4, 4)), 0.0);
}

// Attention one block of queries at a time computes what one block does (issue: bounded memory
// for long sequences; each block's softmax covers only the keys its queries see): plain, with
// min-shift (padding included) and log-additive edits, after a cached prefix, and under a
// sliding window, with autograd's path and without.
TEST_F(TransformerTest, QueryBlocksEqualOneBlock) {
  for (const bool grad : {true, false}) {
    torch::AutoGradMode grad_mode(grad);
    for (const int64_t window : {int64_t{0}, int64_t{3}}) {
      ModelConfig c = tiny_config();
      c.sliding_window = window;
      const Transformer t(c, random_weights(c, 11, 0.5));
      const auto batch = torch::randint(0, 16, {2, 20}, torch::kInt64);  // (2, 20)
      const auto factors = torch::rand({2, 20}) * 0.9 + 0.05;           // (2, 20)
      for (int mode = 0; mode < 4; ++mode) {
        AttentionEdit edit{factors, {}};
        edit.log_additive = mode == 2;
        if (mode == 3) edit.key_lengths = torch::tensor({20, 14}, torch::kInt64);  // row 1 padded after 14
        ForwardOptions whole, blocked;
        whole.edit = blocked.edit = mode == 0 ? nullptr : &edit;
        whole.query_block = 1000;
        blocked.query_block = 3;
        // Outside autograd the in-place arithmetic and other matmul shapes round differently: up
        // to 2.6e-5 here, with or without the softmax narrowed to the visible keys.
        const double tolerance = grad ? 1e-5 : 1e-4;
        EXPECT_LT(max_abs_diff(t.forward(batch, whole), t.forward(batch, blocked)), tolerance)
            << "window " << window << " mode " << mode << " grad " << grad;
        // After a cached prefix of 7 positions (batch 1, shared by both rows).
        KVCache cache_whole, cache_blocked;
        ForwardOptions fill;
        fill.cache = &cache_whole;
        t.forward(batch.narrow(0, 0, 1).narrow(1, 0, 7), fill);
        cache_blocked = cache_whole.prefix(7);
        whole.cache = &cache_whole;
        blocked.cache = &cache_blocked;
        whole.append_to_cache = blocked.append_to_cache = false;
        const auto tail = batch.narrow(0, 0, 1).narrow(1, 7, 13).expand({2, 13});
        EXPECT_LT(max_abs_diff(t.forward(tail, whole), t.forward(tail, blocked)), tolerance)
            << "cached, window " << window << " grad " << grad;
      }
    }
  }
}

// Outside autograd (how explanations run), a row that edits few keys has only those scores
// rewritten; one that edits many, every score. Both are the same edit: the same factors with
// every other key at the float just below 1 (which makes the edit dense) give the same logits,
// and so does autograd's path, with min-shift, log-additive and padded rows.
TEST_F(TransformerTest, FewEditedKeysComputeWhatEditingEveryKeyDoes) {
  const auto batch = torch::randint(0, 16, {3, 32}, torch::kInt64);  // (3, 32)
  auto few = torch::ones({3, 32});                                     // row 2 edits nothing
  few[0][5] = 0.1;
  few[1][20] = 0.0;
  few[1][21] = 0.5;
  const auto many = torch::where(few == 1.0, torch::full_like(few, std::nextafter(1.0F, 0.0F)), few);
  for (int mode = 0; mode < 3; ++mode) {
    AttentionEdit sparse{few, {}}, dense{many, {}};
    sparse.log_additive = dense.log_additive = mode == 1;
    if (mode == 2) sparse.key_lengths = dense.key_lengths = torch::tensor({32, 26, 32}, torch::kInt64);
    ForwardOptions a, b;
    a.edit = &sparse;
    b.edit = &dense;
    const auto with_autograd = model.forward(batch, a);
    torch::NoGradGuard no_grad;
    const auto edited = model.forward(batch, a);
    // Rounding differs (s + (s − m)(f − 1) against (s − m)·f): float32 noise of logits near 4.
    EXPECT_LT(max_abs_diff(edited, model.forward(batch, b)), 1e-4) << "mode " << mode;
    EXPECT_LT(max_abs_diff(edited, with_autograd), 1e-4) << "mode " << mode;
    EXPECT_GT(max_abs_diff(edited.narrow(0, 0, 2), model.forward(batch.narrow(0, 0, 2))), 1e-3) << "mode " << mode;
    EXPECT_LT(max_abs_diff(edited.narrow(0, 2, 1), model.forward(batch.narrow(0, 2, 1))), 1e-5) << "mode " << mode;
  }
}

// The fused kernel (the edit in an extra head dimension; scaled_dot_product_attention on libtorch
// 2.x, the same arithmetic as tensors before) gives the explicit kernel's logits: without an edit,
// with min-shift and log-additive edits of few keys and of every key (factor 0 included), in
// blocks of 3, at selected logit positions, after a cached prefix, with and without a window.
TEST_F(TransformerTest, FusedKernelComputesWhatExplicitScoresDo) {
  torch::NoGradGuard no_grad;
  // Outside autograd, blocks of queries alone already move float32 logits by up to 2.6e-5
  // (QueryBlocksEqualOneBlock); the fused kernel stays within the same bound.
  constexpr double kTolerance = 1e-4;
  for (const int64_t window : {int64_t{0}, int64_t{3}}) {
    ModelConfig c = tiny_config();
    c.sliding_window = window;
    const Transformer explicit_kernel(c, random_weights(c, 13, 0.5));
    Transformer fused_kernel = explicit_kernel;
    fused_kernel.use_attention_kernel(AttentionKernel::kFused);
    const auto batch = torch::randint(0, 16, {3, 20}, torch::kInt64);  // (3, 20)
    auto few = torch::ones({3, 20});                                     // row 2 edits nothing
    few[0][5] = 0.1;
    few[1][12] = 0.0;
    few[1][13] = 0.5;
    auto many = torch::rand({3, 20}) * 0.9 + 0.05;
    many[2][4] = 0.0;
    for (int mode = 0; mode < 5; ++mode) {
      AttentionEdit edit{mode % 2 == 1 ? few : many, {}};
      edit.log_additive = mode >= 3;
      ForwardOptions options;
      options.edit = mode == 0 ? nullptr : &edit;
      const std::string what = "window " + std::to_string(window) + " mode " + std::to_string(mode);
      const auto expected = explicit_kernel.forward(batch, options);  // (3, 20, V)
      const double difference = max_abs_diff(fused_kernel.forward(batch, options), expected);
      EXPECT_LT(difference, kTolerance) << what;
      // Other arithmetic rounds differently: an exact match would mean the fused kernel never ran.
      if (mode == 2) {
        EXPECT_GT(difference, 0.0) << what;
      }
      options.query_block = 3;
      EXPECT_LT(max_abs_diff(fused_kernel.forward(batch, options), expected), kTolerance) << what << ", blocks of 3";
      options.logit_positions = torch::tensor({19, 4, 11}, torch::kInt64);
      EXPECT_LT(max_abs_diff(fused_kernel.forward(batch, options), expected.index_select(1, options.logit_positions)),
                kTolerance)
          << what << ", logit positions";
      // After a cached prefix of 7 positions (batch 1, shared by the rows), which both read.
      KVCache cache;
      ForwardOptions fill;
      fill.cache = &cache;
      explicit_kernel.forward(batch.narrow(0, 0, 1).narrow(1, 0, 7), fill);
      options.cache = &cache;
      options.append_to_cache = false;
      options.logit_positions = torch::Tensor();
      options.query_block = 0;
      const auto tail = batch.narrow(0, 0, 1).narrow(1, 7, 13).expand({3, 13});
      EXPECT_LT(max_abs_diff(fused_kernel.forward(tail, options), explicit_kernel.forward(tail, options)), kTolerance)
          << what << ", cached";
    }
  }
}

// Outside autograd the explicit kernel pads score rows with zero keys to a multiple of 8 (on a GPU
// by default), hidden from every query; autograd's path does not. At every remainder of the key
// count the two give the same logits (min-shift over the real keys only, log-additive, padded
// rows, a window, after a cached prefix), and the cache keeps the real keys alone.
TEST_F(TransformerTest, ScoreRowsPaddedToAlignedKeysComputeWhatUnpaddedRowsDo) {
  for (const int64_t window : {int64_t{0}, int64_t{3}}) {
    // Every score near 4: the unrotated half of each head carries a bias of 2 in queries and keys.
    // So a zero key would be every row's minimum and change the min-shift.
    ModelConfig c = tiny_config();
    c.head_dim = 4;
    c.partial_rotary_factor = 0.5;
    c.sliding_window = window;
    TransformerWeights weights = random_weights(c, 17, 0.1);
    const auto head_bias = torch::tensor({0.0F, 0.0F, 2.0F, 2.0F});
    for (auto& layer : weights.layers) {
      layer.q_bias = head_bias.repeat({c.num_attention_heads});  // (H·hd)
      layer.k_bias = head_bias.repeat({c.num_key_value_heads});  // (KVH·hd)
    }
    Transformer t(c, weights);
    t.use_key_alignment(8);
    for (int64_t length = 9; length <= 16; ++length) {
      const auto batch = torch::randint(0, 16, {2, length}, torch::kInt64);  // (2, length)
      const auto factors = torch::rand({2, length}) * 0.9 + 0.05;            // (2, length)
      for (int mode = 0; mode < 3; ++mode) {
        AttentionEdit edit{factors, {}};
        edit.log_additive = mode == 1;
        if (mode == 2) edit.key_lengths = torch::tensor({length, length - 3}, torch::kInt64);
        ForwardOptions options;
        options.edit = &edit;
        const std::string what = "window " + std::to_string(window) + " length " + std::to_string(length) +
                                 " mode " + std::to_string(mode);
        const auto unpadded = t.forward(batch, options);  // autograd's path: (2, length, V)
        torch::NoGradGuard no_grad;
        EXPECT_LT(max_abs_diff(t.forward(batch, options), unpadded), 1e-4) << what;
        // After a cached prefix of 5 positions (batch 1, shared by both rows).
        KVCache cache;
        ForwardOptions fill;
        fill.cache = &cache;
        const auto prefix = batch.narrow(0, 0, 1).narrow(1, 0, 5);
        t.forward(prefix, fill);
        EXPECT_EQ(cache.length(), 5) << what;
        ForwardOptions cached = options;
        cached.cache = &cache;
        cached.append_to_cache = false;
        cached.edit = nullptr;
        const auto tail = batch.narrow(0, 0, 1).narrow(1, 5, length - 5);
        EXPECT_LT(max_abs_diff(t.forward(tail, cached), t.forward(batch.narrow(0, 0, 1)).narrow(1, 5, length - 5)), 1e-4)
            << what << ", cached";
        cached.append_to_cache = true;
        t.forward(tail, cached);
        EXPECT_EQ(cache.length(), length) << what;
      }
    }
  }
}

TEST_F(TransformerTest, RejectsSequencesLongerThanTheModel) {
  auto too_long = torch::zeros({1, 33}, torch::kInt64);
  EXPECT_NE(error_message([&] { model.forward(too_long); }).find("max_position_embeddings"),
            std::string::npos);
}

TEST_F(TransformerTest, RejectsTokenIdsOutsideTheVocabulary) {
  EXPECT_NE(error_message([&] { model.forward(ids({1, 16})); }).find("outside the vocabulary"),
            std::string::npos);
}

TEST_F(TransformerTest, RejectsEditOfTheWrongWidth) {
  AttentionEdit edit{torch::ones({1, kLength - 1}), {}};
  ForwardOptions options;
  options.edit = &edit;
  EXPECT_NE(error_message([&] { model.forward(input, options); }).find("attention edit"),
            std::string::npos);
}

}  // namespace
}  // namespace atman::test
