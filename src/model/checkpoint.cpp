#include "atman/checkpoint.hpp"

#include <algorithm>
#include <limits>
#include <map>

#include "atman/error.hpp"
#include "atman/runtime.hpp"
#include "atman/safetensors.hpp"
#include "atman/text_format.hpp"

namespace atman {
namespace {

std::string layer_name(size_t layer, const char* suffix, const std::string& prefix = "model.") {
  return prefix + "layers." + std::to_string(layer) + "." + suffix;
}

// Where the decoder's tensors sit: "model." in text checkpoints; a multimodal gemma3 checkpoint
// nests its language model as "language_model.model." (transformers < 4.52) or
// "model.language_model." (newer), beside the vision tower, which atman does not read.
std::string decoder_prefix(const TensorStore& store) {
  for (const char* prefix : {"model.", "language_model.model.", "model.language_model."}) {
    if (store.contains(std::string(prefix) + "embed_tokens.weight")) return prefix;
  }
  return "model.";  // the missing-tensor error names what a text checkpoint should hold
}

// Pointers to every tensor of a layer with its Hugging Face suffix, in file order; the optional
// ones (q/k/v biases, q/k norms) where the config says the family has them.
// Fused projections (phi3) are not among them: see load_fused_projections.
std::vector<std::pair<const char*, torch::Tensor*>> layer_fields(LayerWeights& w, const ModelConfig& c) {
  std::vector<std::pair<const char*, torch::Tensor*>> fields = {{"self_attn.o_proj.weight", &w.o_proj},
                                                                {"mlp.down_proj.weight", &w.down_proj}};
  // HF's post_attention_layernorm is the MLP's input norm in pre-norm blocks, and the norm of
  // the attention output in post-norm (olmo2) and sandwich (Gemma) blocks.
  if (c.norm_placement == "pre") {
    fields.insert(fields.end(), {{"input_layernorm.weight", &w.input_norm},
                                 {"post_attention_layernorm.weight", &w.pre_feedforward_norm}});
  } else {
    fields.insert(fields.end(), {{"post_attention_layernorm.weight", &w.post_attention_norm},
                                 {"post_feedforward_layernorm.weight", &w.post_feedforward_norm}});
  }
  if (c.norm_placement == "sandwich") {
    fields.insert(fields.end(), {{"input_layernorm.weight", &w.input_norm},
                                 {"pre_feedforward_layernorm.weight", &w.pre_feedforward_norm}});
  }
  if (!c.fused_projections) {
    fields.insert(fields.end(), {{"self_attn.q_proj.weight", &w.q_proj},
                                 {"self_attn.k_proj.weight", &w.k_proj},
                                 {"self_attn.v_proj.weight", &w.v_proj},
                                 {"mlp.gate_proj.weight", &w.gate_proj},
                                 {"mlp.up_proj.weight", &w.up_proj}});
  }
  if (c.qkv_bias) {
    fields.insert(fields.end(), {{"self_attn.q_proj.bias", &w.q_bias},
                                 {"self_attn.k_proj.bias", &w.k_bias},
                                 {"self_attn.v_proj.bias", &w.v_bias}});
  }
  if (c.qk_norm != "none") {
    fields.insert(fields.end(), {{"self_attn.q_norm.weight", &w.q_norm}, {"self_attn.k_norm.weight", &w.k_norm}});
  }
  return fields;
}

// The fused projections of a layer as they are stored: (name, rows of each part in order).
struct FusedProjection {
  std::string suffix;
  std::vector<int64_t> rows;
};
std::vector<FusedProjection> fused_projections(const ModelConfig& c) {
  const int64_t q_rows = c.num_attention_heads * c.head_dim, kv_rows = c.num_key_value_heads * c.head_dim;
  return {{"self_attn.qkv_proj.weight", {q_rows, kv_rows, kv_rows}},
          {"mlp.gate_up_proj.weight", {c.intermediate_size, c.intermediate_size}}};
}

// phi3 stores q/k/v and gate/up stacked by rows: split them at load (views, no copy).
void load_fused_projections(const TensorStore& store, const ModelConfig& c, size_t layer, LayerWeights& w,
                            const LoadOptions& options, const std::string& prefix) {
  const auto parts = fused_projections(c);
  std::vector<torch::Tensor*> targets[2] = {{&w.q_proj, &w.k_proj, &w.v_proj}, {&w.gate_proj, &w.up_proj}};
  for (size_t p = 0; p < parts.size(); ++p) {
    int64_t total = 0;
    for (int64_t r : parts[p].rows) total += r;
    const auto fused = store.get(layer_name(layer, parts[p].suffix.c_str(), prefix), {total, c.hidden_size},
                                   options.dtype, options.device);
    int64_t offset = 0;
    for (size_t k = 0; k < parts[p].rows.size(); ++k) {
      *targets[p][k] = fused.narrow(0, offset, parts[p].rows[k]);
      offset += parts[p].rows[k];
    }
  }
}

// Expected shape of each layer tensor, by suffix.
std::map<std::string, std::vector<int64_t>> layer_shapes(const ModelConfig& c) {
  const int64_t D = c.hidden_size, I = c.intermediate_size;
  const int64_t q_rows = c.num_attention_heads * c.head_dim;
  const int64_t kv_rows = c.num_key_value_heads * c.head_dim;
  return {{"input_layernorm.weight", {D}},
          {"self_attn.q_proj.weight", {q_rows, D}},
          {"self_attn.k_proj.weight", {kv_rows, D}},
          {"self_attn.v_proj.weight", {kv_rows, D}},
          {"self_attn.o_proj.weight", {D, q_rows}},
          {"post_attention_layernorm.weight", {D}},
          {"mlp.gate_proj.weight", {I, D}},
          {"mlp.up_proj.weight", {I, D}},
          {"mlp.down_proj.weight", {D, I}},
          {"self_attn.q_proj.bias", {q_rows}},
          {"self_attn.k_proj.bias", {kv_rows}},
          {"self_attn.v_proj.bias", {kv_rows}},
          {"self_attn.q_norm.weight", {c.qk_norm == "whole" ? q_rows : c.head_dim}},
          {"self_attn.k_norm.weight", {c.qk_norm == "whole" ? kv_rows : c.head_dim}},
          {"pre_feedforward_layernorm.weight", {D}},
          {"post_feedforward_layernorm.weight", {D}}};
}

// The layer index of a "<prefix>layers.N.*" name (saturating at INT64_MAX); -1 for other names.
int64_t layer_index(const std::string& name, const std::string& prefix) {
  const std::string kPrefix = prefix + "layers.";
  if (name.compare(0, kPrefix.size(), kPrefix) != 0) return -1;
  const size_t end = name.find_first_not_of("0123456789", kPrefix.size());
  if (end == kPrefix.size() || end == std::string::npos || name[end] != '.') return -1;
  if (end - kPrefix.size() > 18) return std::numeric_limits<int64_t>::max();
  return std::stoll(name.substr(kPrefix.size(), end - kPrefix.size()));
}

// Compares config.json's layer count with the layers the checkpoint holds, before any vector is
// sized from it: a hostile num_hidden_layers (2^40) would otherwise allocate first and fail later,
// and a short one would silently drop layers.
void check_layer_count(const ModelConfig& config, const TensorStore& store,
                       const std::filesystem::path& config_json, const std::string& prefix) {
  const std::string said = config_json.string() + ": num_hidden_layers is " +
                           std::to_string(config.num_hidden_layers) + " but the checkpoint ";
  int64_t layers_present = 0;  // 1 + the highest layer index seen
  for (const auto& name : store.names()) {
    const int64_t index = layer_index(name, prefix);
    if (index >= config.num_hidden_layers) {
      throw Error(said + "has tensor '" + name + "' of layer " + std::to_string(index));
    }
    layers_present = std::max(layers_present, index + 1);
  }
  if (layers_present < config.num_hidden_layers) {
    throw Error(said + "holds " + std::to_string(layers_present) +
                " layers (no tensor '" + prefix + "layers." + std::to_string(layers_present) + ".*')");
  }
}

// A decoder tensor the family has no place for (a bias, an extra norm) means that config.json
// describes another computation than the checkpoint holds: refused, not computed without it.
// Tensors outside the decoder (a multimodal checkpoint's vision tower) are not atman's to read.
void refuse_unplaced_tensors(const TensorStore& store, const ModelConfig& config, const std::filesystem::path& dir,
                             const std::string& prefix) {
  static const std::string kRotaryBuffer = ".rotary_emb.inv_freq";  // saved by older exports; derived from config
  for (const auto& name : store.unread_names()) {
    if (name.compare(0, prefix.size(), prefix) != 0) continue;
    if (name.size() > kRotaryBuffer.size() &&
        name.compare(name.size() - kRotaryBuffer.size(), kRotaryBuffer.size(), kRotaryBuffer) == 0) {
      continue;
    }
    throw Error(dir.string() + ": tensor '" + name + "' has no place in a " + config.model_type +
                " model as config.json describes it (does model_type match the checkpoint?)");
  }
}

// On the CPU, weights stored in the compute dtype are views of the mapped file; the others are
// converted into fresh memory, all before the first pass. More of that than the process may have
// is refused here with the figures: otherwise the kernel kills it partway through loading
// (SIGKILL, no message), or it swaps the weights in again on every pass.
void require_memory_for_conversion(const TensorStore& store, const std::vector<std::string>& names,
                                   torch::ScalarType dtype) {
  const std::string compute_dtype = safetensors_dtype_name(dtype);
  int64_t bytes = 0;
  std::string stored_dtype;
  for (const auto& name : names) {
    const SafetensorsEntry& entry = store.entry(name);
    if (entry.dtype == compute_dtype) continue;
    int64_t numel = 1;
    for (int64_t d : entry.shape) numel *= d;
    bytes += numel * static_cast<int64_t>(c10::elementSize(dtype));
    stored_dtype = entry.dtype;
  }
  const auto budget = available_memory();
  if (bytes == 0 || !budget || bytes <= budget->bytes) return;
  const std::string hint =
      stored_dtype == "BF16"     ? " (HINT: --dtype bfloat16 computes on the stored weights as they are)"
      : dtype == torch::kFloat32 ? " (HINT: --dtype bfloat16 takes half as much)"
                                 : "";
  throw Error("converting the " + stored_dtype + " weights to " + dtype_name(dtype) + " takes " +
              format_bytes(bytes) + ", more than the " + format_bytes(budget->bytes) +
              " of memory this process may use (" + budget->source + ")" + hint);
}

}  // namespace

torch::ScalarType parse_dtype(const std::string& name) {
  if (name == "float32" || name == "f32" || name == "fp32") return torch::kFloat32;
  if (name == "float16" || name == "f16" || name == "fp16") return torch::kFloat16;
  if (name == "bfloat16" || name == "bf16") return torch::kBFloat16;
  throw Error("unknown dtype '" + name + "' (expected float32, float16 or bfloat16)");
}

void require_computable(torch::ScalarType dtype, const torch::Device& device) {
  if (dtype == torch::kFloat16 && !device.is_cuda()) {
    throw Error("float16 compute is not supported on CPU (HINT: use --dtype bfloat16 or "
                "float32; float16 checkpoints load fine and are widened)");
  }
}

std::string dtype_name(torch::ScalarType dtype) {
  if (dtype == torch::kFloat32) return "float32";
  if (dtype == torch::kFloat16) return "float16";
  if (dtype == torch::kBFloat16) return "bfloat16";
  return c10::toString(dtype);
}

Transformer load_transformer(const std::filesystem::path& dir, const LoadOptions& options) {
  if (!std::filesystem::is_directory(dir)) {
    throw Error("model directory '" + dir.string() +
                "' does not exist (HINT: pass --model DIR or set ATMAN_MODEL)");
  }
  require_computable(options.dtype, options.device);  // failing here beats failing mid-pass
  ModelConfig config = ModelConfig::load(dir / "config.json");
  TensorStore store = TensorStore::open_directory(dir);
  const std::string prefix = decoder_prefix(store);
  check_layer_count(config, store, dir / "config.json", prefix);
  const auto dtype = options.dtype;
  const auto device = options.device;
  const int64_t V = config.vocab_size, D = config.hidden_size;
  // transformers < 4.52 nested the multimodal head too: language_model.lm_head.
  const std::string lm_head = prefix == "language_model.model." ? "language_model.lm_head.weight" : "lm_head.weight";
  if (device.is_cpu()) {
    std::vector<std::string> weights;
    for (const auto& name : store.names()) {
      if (name.compare(0, prefix.size(), prefix) == 0 || name == lm_head) weights.push_back(name);
    }
    require_memory_for_conversion(store, weights, dtype);
  }

  TransformerWeights w;
  w.embed_tokens = store.get(prefix + "embed_tokens.weight", {V, D}, dtype, device);
  const auto shapes = layer_shapes(config);
  w.layers.resize(static_cast<size_t>(config.num_hidden_layers));
  for (size_t l = 0; l < w.layers.size(); ++l) {
    for (auto& [suffix, tensor] : layer_fields(w.layers[l], config)) {
      *tensor = store.get(layer_name(l, suffix, prefix), shapes.at(suffix), dtype, device);
    }
    if (config.fused_projections) load_fused_projections(store, config, l, w.layers[l], options, prefix);
  }
  w.final_norm = store.get(prefix + "norm.weight", {D}, dtype, device);
  if (store.contains(lm_head)) {
    w.lm_head = store.get(lm_head, {V, D}, dtype, device);
  } else if (config.tie_word_embeddings) {
    w.lm_head = w.embed_tokens;
  } else {
    throw Error("checkpoint is missing tensor 'lm_head.weight' and config.json does not set "
                "tie_word_embeddings");
  }
  refuse_unplaced_tensors(store, config, dir, prefix);
  Transformer transformer(std::move(config), std::move(w));
  transformer.use_attention_kernel(options.attention);
  return transformer;
}

std::vector<std::pair<std::string, torch::Tensor>> named_tensors(const TransformerWeights& weights,
                                                                 const ModelConfig& config) {
  std::vector<std::pair<std::string, torch::Tensor>> out;
  out.emplace_back("model.embed_tokens.weight", weights.embed_tokens);
  for (size_t l = 0; l < weights.layers.size(); ++l) {
    LayerWeights layer = weights.layers[l];  // shallow copy: tensors share storage
    for (auto& [suffix, tensor] : layer_fields(layer, config)) out.emplace_back(layer_name(l, suffix), *tensor);
    if (config.fused_projections) {
      out.emplace_back(layer_name(l, "self_attn.qkv_proj.weight"), torch::cat({layer.q_proj, layer.k_proj, layer.v_proj}));
      out.emplace_back(layer_name(l, "mlp.gate_up_proj.weight"), torch::cat({layer.gate_proj, layer.up_proj}));
    }
  }
  out.emplace_back("model.norm.weight", weights.final_norm);
  if (!config.tie_word_embeddings) out.emplace_back("lm_head.weight", weights.lm_head);
  return out;
}

void save_checkpoint(const std::filesystem::path& dir, const ModelConfig& config,
                     const TransformerWeights& weights, const SaveOptions& options) {
  config.validate();
  std::error_code ec;
  std::filesystem::create_directories(dir, ec);
  if (ec) throw Error("cannot create directory '" + dir.string() + "': " + ec.message());
  ModelConfig saved = config;
  saved.torch_dtype = dtype_name(options.dtype);
  saved.save(dir / "config.json");
  auto tensors = named_tensors(weights, config);
  for (auto& [name, t] : tensors) t = t.to(options.dtype);
  if (options.num_shards > 1) {
    write_sharded_safetensors(dir, tensors, options.num_shards);
  } else {
    write_safetensors(dir / "model.safetensors", tensors, {{"format", "pt"}});
  }
}

}  // namespace atman
