#pragma once
// Shared by the unit tests: a seeded fixture, tiny models built in code, temporary directories.
#include <gmock/gmock.h>
#include <gtest/gtest.h>
#include <unistd.h>

#include <filesystem>
#include <fstream>
#include <functional>
#include <string>

#include <torch/torch.h>

#include "atman/checkpoint.hpp"
#include "atman/model_config.hpp"
#include "atman/random_init.hpp"
#include "atman/transformer.hpp"
#include "support/checks.hpp"

namespace atman::test {

// Seeds torch and keeps the tests single-threaded, so results do not depend on scheduling.
class SeededTest : public ::testing::Test {
 protected:
  void SetUp() override {
    torch::manual_seed(1234);
    torch::set_num_threads(1);
  }
};

// 2 layers, 4 query heads sharing 2 key/value heads, d_model 8, vocabulary 16.
inline ModelConfig tiny_config() {
  ModelConfig c;
  c.vocab_size = 16;
  c.hidden_size = 8;
  c.intermediate_size = 12;
  c.num_hidden_layers = 2;
  c.num_attention_heads = 4;
  c.num_key_value_heads = 2;
  c.head_dim = 2;
  c.rms_norm_eps = 1e-5;
  c.max_position_embeddings = 32;
  c.bos_token_id = 1;
  c.eos_token_id = 2;
  return c;
}

// Weights large enough that attention is peaked and an edit visibly moves the logits.
inline Transformer tiny_transformer(const ModelConfig& config = tiny_config(), uint64_t seed = 7) {
  return Transformer(config, random_weights(config, seed, /*init_std=*/0.5));
}

// A fresh empty directory under the system temp dir, removed when the object dies.
class TempDir {
 public:
  TempDir() {
    static int counter = 0;
    path_ = std::filesystem::temp_directory_path() /
            ("atman_test_" + std::to_string(::getpid()) + "_" + std::to_string(counter++));
    std::filesystem::remove_all(path_);
    std::filesystem::create_directories(path_);
  }
  ~TempDir() { std::filesystem::remove_all(path_); }
  const std::filesystem::path& path() const { return path_; }

 private:
  std::filesystem::path path_;
};

// (1, T) int64 ids.
inline torch::Tensor ids(std::vector<int64_t> values) {
  return torch::tensor(values, torch::kInt64).unsqueeze(0);
}

// Max |a − b|.
inline double max_abs_diff(const torch::Tensor& a, const torch::Tensor& b) {
  return (a - b).abs().max().item<double>();
}

// Max |a − b| over two (N, U) relevance tables; infinity when their shapes differ.
inline double max_abs_diff(const std::vector<std::vector<double>>& a, const std::vector<std::vector<double>>& b) {
  if (a.size() != b.size()) return INFINITY;
  double worst = 0;
  for (size_t t = 0; t < a.size(); ++t) {
    if (a[t].size() != b[t].size()) return INFINITY;
    for (size_t u = 0; u < a[t].size(); ++u) worst = std::max(worst, std::abs(a[t][u] - b[t][u]));
  }
  return worst;
}


}  // namespace atman::test

namespace atman::test {

// A tiny random transformer (vocabulary padded to the real tokenizer's 512 pieces) saved with
// the embedded tokenizer, loaded as a full Model: explanation methods run on it in
// milliseconds, with real tokenization.
inline ModelConfig tiny_config_with_tokenizer() {
  ModelConfig c = tiny_config();
  c.vocab_size = 512;
  c.max_position_embeddings = 128;
  return c;
}

inline std::filesystem::path write_tiny_model(const std::filesystem::path& dir, uint64_t seed = 7) {
  const ModelConfig c = tiny_config_with_tokenizer();
  save_checkpoint(dir, c, random_weights(c, seed, 0.5));
  std::filesystem::copy_file(std::filesystem::path(ATMAN_EMBEDDED_MODEL_DIR) / "tokenizer.model",
                             dir / "tokenizer.model", std::filesystem::copy_options::overwrite_existing);
  return dir;
}

}  // namespace atman::test
