#include "atman/model_config.hpp"

#include <algorithm>
#include <cmath>
#include <fstream>
#include <nlohmann/json.hpp>

#include "atman/error.hpp"
#include "atman/text_format.hpp"
#include "config_fields.hpp"
#include "model_family.hpp"
#include "rope_config.hpp"

namespace atman {

using nlohmann::json;
using namespace config_fields;

void ModelConfig::validate() const {
  auto positive = [](int64_t v, const char* name) {
    if (v <= 0) throw Error(std::string("field '") + name + "' must be > 0, got " + std::to_string(v));
  };
  require_supported_model_type(model_type);
  positive(vocab_size, "vocab_size");
  positive(hidden_size, "hidden_size");
  positive(intermediate_size, "intermediate_size");
  positive(num_hidden_layers, "num_hidden_layers");
  positive(num_attention_heads, "num_attention_heads");
  positive(num_key_value_heads, "num_key_value_heads");
  positive(head_dim, "head_dim");
  positive(max_position_embeddings, "max_position_embeddings");
  if (num_attention_heads % num_key_value_heads != 0) {
    throw Error("num_attention_heads (" + std::to_string(num_attention_heads) +
                ") must be a multiple of num_key_value_heads (" +
                std::to_string(num_key_value_heads) + ")");
  }
  if (head_dim % 2 != 0) {
    throw Error("head_dim must be even for rotary embeddings, got " + std::to_string(head_dim));
  }
  if (!(partial_rotary_factor > 0 && partial_rotary_factor <= 1) || rotary_dim() % 2 != 0 || rotary_dim() == 0) {
    throw Error("partial_rotary_factor " + format_number(partial_rotary_factor) + " must give an even rotary "
                "dimension in (0, head_dim]");
  }
  if (sliding_window < 0) throw Error("field 'sliding_window' must be >= 0");
  if (!(rms_norm_eps > 0)) throw Error("field 'rms_norm_eps' must be > 0");
  if (!(rope_theta > 0)) throw Error("field 'rope_theta' must be > 0");
  if (local_rope_theta < 0) throw Error("field 'rope_local_base_freq' must be > 0");
  if (activation != "silu" && activation != "gelu_pytorch_tanh") {
    throw Error("activation '" + activation + "' is not supported (supported: silu, gelu_pytorch_tanh)");
  }
  if (norm_placement != "pre" && norm_placement != "post" && norm_placement != "sandwich") {
    throw Error("norm placement '" + norm_placement + "' is unknown");
  }
  if (!sliding_layers.empty() && static_cast<int64_t>(sliding_layers.size()) != num_hidden_layers) {
    throw Error("sliding_layers must hold one flag per layer");
  }
  if (query_pre_attn_scalar < 0 || attn_logit_softcapping < 0 || final_logit_softcapping < 0) {
    throw Error("query_pre_attn_scalar and the softcaps must be >= 0");
  }
  if (bos_token_id >= vocab_size) throw Error("bos_token_id is outside the vocabulary");
  if (eos_token_id >= vocab_size) throw Error("eos_token_id is outside the vocabulary");
}

double ModelConfig::attention_scale() const {
  return 1.0 / std::sqrt(query_pre_attn_scalar > 0 ? query_pre_attn_scalar : static_cast<double>(head_dim));
}

ModelConfig ModelConfig::from_json(const json& file_json, const std::string& file_source) {
  if (!file_json.is_object()) throw Error(file_source + ": expected a JSON object");
  // GPTQ, AWQ, bitsandbytes, FP8...: packed weights and scales atman does not dequantize. Refused
  // here by name; otherwise it would fail later on a missing or oddly typed tensor.
  if (auto q = file_json.find("quantization_config"); q != file_json.end() && !q->is_null()) {
    const auto method = q->is_object() ? q->value("quant_method", json()) : json();
    throw Error(file_source + ": quantized checkpoints are not supported (quantization_config with quant_method " +
                (method.is_string() ? "'" + method.get<std::string>() + "'" : method.dump()) +
                "); use the model's unquantized weights");
  }
  std::string source = file_source;
  const json j = text_model_config(file_json, source);
  ModelConfig c;
  auto type = j.find("model_type");
  if (type == j.end() || !type->is_string()) {
    throw Error(source + ": missing required string field 'model_type'");
  }
  c.model_type = type->get<std::string>();
  c.vocab_size = int_field(j, "vocab_size", source, true);
  c.hidden_size = int_field(j, "hidden_size", source, true);
  c.intermediate_size = int_field(j, "intermediate_size", source, true);
  c.num_hidden_layers = int_field(j, "num_hidden_layers", source, true);
  c.num_attention_heads = int_field(j, "num_attention_heads", source, true);
  c.num_key_value_heads =
      int_field(j, "num_key_value_heads", source, false, c.num_attention_heads);
  const int64_t default_head_dim =
      c.num_attention_heads > 0 ? c.hidden_size / c.num_attention_heads : 0;
  c.head_dim = int_field(j, "head_dim", source, false, default_head_dim);
  c.rms_norm_eps = number_field(j, "rms_norm_eps", source, 1e-6);
  c.max_position_embeddings = int_field(j, "max_position_embeddings", source, false, 2048);
  c.sliding_window = int_field(j, "sliding_window", source, false, 0);
  read_family_fields(j, source, c);
  c.bos_token_id = int_field(j, "bos_token_id", source, false, -1);
  c.eos_token_id = int_field(j, "eos_token_id", source, false, -1);
  if (auto eos = j.find("eos_token_id"); eos != j.end() && eos->is_array()) {
    for (const auto& id : *eos) {
      if (!id.is_number_integer()) throw Error(source + ": field 'eos_token_id' must list integers, got " + eos->dump());
      c.eos_token_ids.push_back(id.get<int64_t>());
    }
  } else if (c.eos_token_id >= 0) {
    c.eos_token_ids = {c.eos_token_id};
  }
  if (auto tie = j.find("tie_word_embeddings"); tie != j.end() && !tie->is_null()) {
    if (!tie->is_boolean()) throw Error(source + ": field 'tie_word_embeddings' must be a boolean");
    c.tie_word_embeddings = tie->get<bool>();
  }
  if (auto dtype = j.find("torch_dtype"); dtype != j.end() && dtype->is_string()) {
    c.torch_dtype = dtype->get<std::string>();
  }
  read_rope_fields(j, source, c);
  try {
    c.validate();
  } catch (const Error& e) {
    throw Error(source + ": " + e.what());
  }
  return c;
}

namespace {

json rope_scaling_json(const RopeScaling& s) {
  if (s.type == "default") return nullptr;
  json j = {{"rope_type", s.type}, {"factor", s.factor}};
  if (s.type == "llama3") {
    j["low_freq_factor"] = s.low_freq_factor;
    j["high_freq_factor"] = s.high_freq_factor;
    j["original_max_position_embeddings"] = s.original_max_position_embeddings;
  }
  return j;
}

// The class transformers instantiates for each model_type.
std::string architecture_of(const std::string& model_type) {
  static const std::pair<const char*, const char*> kArchitectures[] = {
      {"llama", "LlamaForCausalLM"}, {"mistral", "MistralForCausalLM"}, {"qwen2", "Qwen2ForCausalLM"},
      {"qwen3", "Qwen3ForCausalLM"}, {"phi3", "Phi3ForCausalLM"},       {"gemma2", "Gemma2ForCausalLM"},
      {"gemma3_text", "Gemma3ForCausalLM"}, {"olmo2", "Olmo2ForCausalLM"}};
  for (const auto& [type, architecture] : kArchitectures) {
    if (model_type == type) return architecture;
  }
  return "LlamaForCausalLM";
}

json cap_or_null(double cap) { return cap > 0 ? json(cap) : json(nullptr); }

}  // namespace

// Written as the family spells it, so that from_json reads back the same description.
json ModelConfig::to_json() const {
  const bool gemma = norm_offset != 0;
  json j{{"architectures", {architecture_of(model_type)}},
         {"model_type", model_type},
         {"vocab_size", vocab_size},
         {"hidden_size", hidden_size},
         {"intermediate_size", intermediate_size},
         {"num_hidden_layers", num_hidden_layers},
         {"num_attention_heads", num_attention_heads},
         {"num_key_value_heads", num_key_value_heads},
         {"head_dim", head_dim},
         {gemma ? "hidden_activation" : "hidden_act", activation},
         {"rms_norm_eps", rms_norm_eps},
         {"rope_theta", rope_theta},
         {"rope_scaling", rope_scaling_json(rope_scaling)},
         {"max_position_embeddings", max_position_embeddings},
         {"sliding_window", sliding_window > 0 ? json(sliding_window) : json(nullptr)},
         {"tie_word_embeddings", tie_word_embeddings},
         {"partial_rotary_factor", partial_rotary_factor},
         {"bos_token_id", bos_token_id},
         {"eos_token_id", eos_token_ids.size() > 1 ? json(eos_token_ids) : json(eos_token_id)},
         {"torch_dtype", torch_dtype}};
  if (!sliding_layers.empty()) {
    json types = json::array();
    for (bool slides : sliding_layers) types.push_back(slides ? "sliding_attention" : "full_attention");
    j["layer_types"] = types;
  }
  if (model_type == "qwen2" || model_type == "qwen3") j["use_sliding_window"] = sliding_window > 0;
  if (gemma) {
    j["query_pre_attn_scalar"] = query_pre_attn_scalar;
    j["attn_logit_softcapping"] = cap_or_null(attn_logit_softcapping);
    j["final_logit_softcapping"] = cap_or_null(final_logit_softcapping);
  }
  if (local_rope_theta > 0) j["rope_local_base_freq"] = local_rope_theta;
  return j;
}

ModelConfig ModelConfig::load(const std::filesystem::path& config_json) {
  const std::string source = config_json.string();
  // A FIFO would block the read forever and a directory fails with a stream error naming no
  // file: only regular files (or symlinks to them) are read.
  std::error_code ec;
  const auto status = std::filesystem::status(config_json, ec);
  if (std::filesystem::exists(status) && !std::filesystem::is_regular_file(status)) {
    throw Error(source + ": not a regular file");
  }
  std::ifstream in(config_json);
  if (!in) throw Error(source + ": cannot open (missing or unreadable)");
  json j;
  try {
    j = json::parse(in);
  } catch (const json::exception& e) {  // parse_error, or out_of_range for 1e999
    throw Error(source + ": malformed JSON: " + e.what());
  }
  return from_json(j, source);
}

void ModelConfig::save(const std::filesystem::path& config_json) const {
  std::ofstream out(config_json);
  if (!out) throw Error(config_json.string() + ": cannot write");
  out << to_json().dump(2) << "\n";
  if (!out) throw Error(config_json.string() + ": write failed");
}

}  // namespace atman
