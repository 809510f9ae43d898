#include "atman/llama2c_import.hpp"

#include <cstdint>
#include <cstring>
#include <fstream>

#include "atman/checkpoint.hpp"
#include "atman/error.hpp"
#include "atman/tokenizer.hpp"

namespace atman {
namespace {

// llama2.c rotates adjacent pairs (2i, 2i+1) of a head; Hugging Face's layout rotates halves.
// Reordering each head's rows as [0, 2, 4, …, 1, 3, 5, …] turns one into the other.
// w: (heads·hd, D) -> same shape.
torch::Tensor permute_for_rotate_half(const torch::Tensor& w, int64_t heads, int64_t head_dim) {
  const int64_t D = w.size(1);
  return w.view({heads, head_dim / 2, 2, D}).transpose(1, 2).reshape({heads * head_dim, D});
}

}  // namespace

void convert_llama2c(const Llama2cImport& request) {
  const std::string source = request.checkpoint.string();
  std::ifstream in(request.checkpoint, std::ios::binary);
  if (!in) throw Error(source + ": cannot open llama2.c checkpoint");
  in.seekg(0, std::ios::end);
  const auto file_size = static_cast<int64_t>(in.tellg());
  in.seekg(0);

  int32_t header[7];
  if (file_size < static_cast<int64_t>(sizeof(header)) ||
      !in.read(reinterpret_cast<char*>(header), sizeof(header))) {
    throw Error(source + ": truncated llama2.c header (need 28 bytes)");
  }
  const int64_t dim = header[0], hidden = header[1], layers = header[2], heads = header[3];
  const int64_t kv_heads = header[4], seq_len = header[6];
  const bool tied = header[5] > 0;
  const int64_t vocab = tied ? header[5] : -static_cast<int64_t>(header[5]);
  if (dim <= 0 || hidden <= 0 || layers <= 0 || heads <= 0 || kv_heads <= 0 || vocab <= 0 ||
      seq_len <= 0 || dim % heads != 0 || heads % kv_heads != 0) {
    throw Error(source + ": implausible llama2.c header (dim " + std::to_string(dim) + ", heads " +
                std::to_string(heads) + ", kv_heads " + std::to_string(kv_heads) +
                "); is this a legacy version-0 llama2.c checkpoint?");
  }
  const int64_t head_dim = dim / heads, kv_dim = kv_heads * head_dim;

  // Element counts of the float arrays, in file order.
  const int64_t n_embed = vocab * dim, n_norm = layers * dim;
  const int64_t n_wq = layers * dim * dim, n_wkv = layers * kv_dim * dim;
  const int64_t n_ffn = layers * hidden * dim, n_rope = seq_len * head_dim / 2;
  int64_t floats = n_embed + n_norm + n_wq + 2 * n_wkv + n_wq + n_norm + 3 * n_ffn + dim + 2 * n_rope;
  if (!tied) floats += n_embed;
  const int64_t expected = static_cast<int64_t>(sizeof(header)) + floats * 4;
  if (file_size != expected) {
    throw Error(source + ": file is " + std::to_string(file_size) + " bytes but its header implies " +
                std::to_string(expected) + " (truncated, or not a version-0 checkpoint)");
  }
  auto all = torch::empty({floats}, torch::kFloat32);
  in.read(reinterpret_cast<char*>(all.data_ptr<float>()), floats * 4);
  if (!in) throw Error(source + ": read failed");

  int64_t offset = 0;
  auto take = [&](std::vector<int64_t> shape) {
    int64_t n = 1;
    for (auto d : shape) n *= d;
    auto t = all.narrow(0, offset, n).view(shape);
    offset += n;
    return t;
  };
  auto embed = take({vocab, dim});
  auto attn_norm = take({layers, dim});
  auto wq = take({layers, dim, dim});
  auto wk = take({layers, kv_dim, dim});
  auto wv = take({layers, kv_dim, dim});
  auto wo = take({layers, dim, dim});
  auto ffn_norm = take({layers, dim});
  auto w1 = take({layers, hidden, dim});
  auto w2 = take({layers, dim, hidden});
  auto w3 = take({layers, hidden, dim});
  auto final_norm = take({dim});
  offset += 2 * n_rope;  // unused precomputed RoPE tables
  auto classifier = tied ? embed : take({vocab, dim});

  Tokenizer tokenizer = Tokenizer::load(request.tokenizer);
  if (tokenizer.vocab_size() != vocab) {
    throw Error(request.tokenizer.string() + ": tokenizer has " +
                std::to_string(tokenizer.vocab_size()) + " pieces but the checkpoint's vocabulary is " +
                std::to_string(vocab));
  }

  ModelConfig config;
  config.model_type = "llama";
  config.vocab_size = vocab;
  config.hidden_size = dim;
  config.intermediate_size = hidden;
  config.num_hidden_layers = layers;
  config.num_attention_heads = heads;
  config.num_key_value_heads = kv_heads;
  config.head_dim = head_dim;
  config.rms_norm_eps = 1e-5;  // llama2.c's fixed epsilon
  config.rope_theta = 10000.0;
  config.max_position_embeddings = seq_len;
  config.tie_word_embeddings = tied;
  config.bos_token_id = tokenizer.bos_id();
  config.eos_token_id = tokenizer.eos_id();

  TransformerWeights w;
  w.embed_tokens = embed;
  for (int64_t l = 0; l < layers; ++l) {
    LayerWeights layer;
    layer.input_norm = attn_norm[l];
    layer.q_proj = permute_for_rotate_half(wq[l], heads, head_dim);
    layer.k_proj = permute_for_rotate_half(wk[l], kv_heads, head_dim);
    layer.v_proj = wv[l];
    layer.o_proj = wo[l];
    layer.pre_feedforward_norm = ffn_norm[l];
    layer.gate_proj = w1[l];
    layer.down_proj = w2[l];
    layer.up_proj = w3[l];
    w.layers.push_back(std::move(layer));
  }
  w.final_norm = final_norm;
  w.lm_head = classifier;

  save_checkpoint(request.out_dir, config, w);
  std::error_code ec;
  std::filesystem::copy_file(request.tokenizer, request.out_dir / "tokenizer.model",
                             std::filesystem::copy_options::overwrite_existing, ec);
  if (ec) throw Error("cannot copy tokenizer to '" + request.out_dir.string() + "': " + ec.message());
}

}  // namespace atman
