#include "atman/model_presets.hpp"

#include "atman/checkpoint.hpp"
#include "atman/error.hpp"
#include "atman/model.hpp"
#include "atman/random_init.hpp"

namespace atman {
namespace {

ModelConfig llama(int64_t hidden, int64_t layers, int64_t heads, int64_t intermediate,
                  int64_t vocab, int64_t context) {
  ModelConfig c;
  c.hidden_size = hidden;
  c.num_hidden_layers = layers;
  c.num_attention_heads = heads;
  c.num_key_value_heads = heads;
  c.head_dim = hidden / heads;
  c.intermediate_size = intermediate;
  c.vocab_size = vocab;
  c.max_position_embeddings = context;
  c.rms_norm_eps = 1e-5;
  c.bos_token_id = 1;
  c.eos_token_id = 2;
  c.tie_word_embeddings = true;  // as llama2.c's TinyStories models
  return c;
}

// Llama 3.2 1B's shape: grouped-query attention, llama3 rope scaling, a 128256-token tied
// embedding (a quarter of the parameters). BOS/EOS stay those of the tokenizer init_model copies.
ModelConfig llama3_1b() {
  ModelConfig c = llama(2048, 16, 32, 8192, 128256, 131072);
  c.num_key_value_heads = 8;
  c.head_dim = 64;
  c.rms_norm_eps = 1e-5;
  c.rope_theta = 500000.0;
  c.rope_scaling.type = "llama3";
  c.rope_scaling.factor = 32.0;
  c.rope_scaling.low_freq_factor = 1.0;
  c.rope_scaling.high_freq_factor = 4.0;
  c.rope_scaling.original_max_position_embeddings = 8192;
  return c;
}

}  // namespace

std::vector<std::string> preset_names() { return {"tiny", "llama-25m", "llama-110m", "llama3-1b"}; }

ModelConfig preset_config(const std::string& name) {
  if (name == "tiny") return llama(64, 2, 4, 172, 512, 1024);
  // 25.3M parameters in the layers plus a 16.4M tied embedding.
  if (name == "llama-25m") return llama(512, 8, 8, 1376, 32000, 2048);
  // 110M parameters with the tied embedding, the shape of llama2.c's stories110M.
  if (name == "llama-110m") return llama(768, 12, 12, 2048, 32000, 2048);
  if (name == "llama3-1b") return llama3_1b();
  std::string names;
  for (const auto& n : preset_names()) names += (names.empty() ? "" : ", ") + n;
  throw Error("unknown preset '" + name + "' (expected " + names + ")");
}

void init_model(const std::string& preset, const std::filesystem::path& out_dir, uint64_t seed,
                torch::ScalarType stored, int64_t max_positions) {
  ModelConfig config = preset_config(preset);
  if (max_positions < 0) throw Error("--max-positions must be positive, got " + std::to_string(max_positions));
  if (max_positions > 0) config.max_position_embeddings = max_positions;
  SaveOptions save;
  save.dtype = stored;
  save_checkpoint(out_dir, config, random_weights(config, seed), save);
  const auto tokenizer = embedded_model_dir() / "tokenizer.model";
  std::error_code ec;
  std::filesystem::copy_file(tokenizer, out_dir / "tokenizer.model",
                             std::filesystem::copy_options::overwrite_existing, ec);
  if (ec) throw Error("cannot copy tokenizer '" + tokenizer.string() + "': " + ec.message());
}

}  // namespace atman
