#include "atman/random_init.hpp"

namespace atman {

TransformerWeights random_weights(const ModelConfig& config, uint64_t seed, double init_std) {
  config.validate();
  torch::NoGradGuard no_grad;
  auto generator = at::detail::createCPUGenerator(seed);
  const auto opts = torch::TensorOptions().dtype(torch::kFloat32);
  auto normal = [&](std::vector<int64_t> shape, double sigma) {
    return at::normal(0.0, sigma, shape, generator, opts);
  };
  auto norm_weight = [&] { return 1.0 + normal({config.hidden_size}, 0.1); };

  const int64_t D = config.hidden_size, I = config.intermediate_size, V = config.vocab_size;
  const int64_t q_rows = config.num_attention_heads * config.head_dim;
  const int64_t kv_rows = config.num_key_value_heads * config.head_dim;

  TransformerWeights w;
  w.embed_tokens = normal({V, D}, init_std);  // as Hugging Face initialises Llama embeddings
  for (int64_t l = 0; l < config.num_hidden_layers; ++l) {
    LayerWeights layer;
    layer.input_norm = norm_weight();
    layer.q_proj = normal({q_rows, D}, init_std);
    layer.k_proj = normal({kv_rows, D}, init_std);
    layer.v_proj = normal({kv_rows, D}, init_std);
    layer.o_proj = normal({D, q_rows}, init_std);
    layer.pre_feedforward_norm = norm_weight();
    layer.gate_proj = normal({I, D}, init_std);
    layer.up_proj = normal({I, D}, init_std);
    layer.down_proj = normal({D, I}, init_std);
    w.layers.push_back(std::move(layer));
  }
  w.final_norm = norm_weight();
  w.lm_head = config.tie_word_embeddings ? w.embed_tokens : normal({V, D}, init_std);
  return w;
}

}  // namespace atman
