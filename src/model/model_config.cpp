#include "atman/model_config.hpp"

#include <algorithm>
#include <fstream>
#include <nlohmann/json.hpp>

#include "atman/error.hpp"

namespace atman {
namespace {

using nlohmann::json;

// Reads an integer field; `fallback` < 0 with `required` means the field must be present.
int64_t int_field(const json& j, const char* name, const std::string& source, bool required,
                  int64_t fallback = 0) {
  auto it = j.find(name);
  if (it == j.end() || it->is_null()) {
    if (required) throw Error(source + ": missing required field '" + name + "'");
    return fallback;
  }
  // eos_token_id is a list in some checkpoints (several stop tokens): the first one is used.
  const json& value = it->is_array() && !it->empty() ? it->front() : *it;
  if (!value.is_number_integer()) {
    throw Error(source + ": field '" + name + "' must be an integer, got " + value.dump());
  }
  return value.get<int64_t>();
}

double number_field(const json& j, const char* name, const std::string& source, double fallback) {
  auto it = j.find(name);
  if (it == j.end() || it->is_null()) return fallback;
  if (!it->is_number()) {
    throw Error(source + ": field '" + name + "' must be a number, got " + it->dump());
  }
  return it->get<double>();
}

void require_supported_model_type(const std::string& model_type) {
  static const char* const kSupported[] = {"llama", "mistral", "qwen2", "qwen3", "phi3", "olmo2"};
  if (std::find(std::begin(kSupported), std::end(kSupported), model_type) == std::end(kSupported)) {
    throw Error("unsupported model_type '" + model_type +
                "' (supported: llama, mistral, qwen2, qwen3, phi3, olmo2)");
  }
}

bool bool_field(const json& j, const char* name, const std::string& source, bool fallback) {
  auto it = j.find(name);
  if (it == j.end() || it->is_null()) return fallback;
  if (!it->is_boolean()) throw Error(source + ": field '" + name + "' must be a boolean, got " + it->dump());
  return it->get<bool>();
}

// What differs between the families atman computes, read once into the description. Fields
// that would change the computation in a way atman does not implement are refused by name.
void apply_family_fields(const json& j, const std::string& source, ModelConfig& c) {
  try {
    require_supported_model_type(c.model_type);  // before reading fields another family spells
  } catch (const Error& e) {
    throw Error(source + ": " + e.what());
  }
  if (c.model_type == "qwen2" || c.model_type == "qwen3") {
    // Qwen slides its window only where use_sliding_window says so; sliding_window alone is inert.
    if (bool_field(j, "use_sliding_window", source, false)) {
      throw Error(source + ": use_sliding_window true is not supported (per-layer windows of Qwen)");
    }
    c.sliding_window = 0;
  }
  c.qkv_bias = c.model_type == "qwen2";  // always, with none on o_proj
  c.qk_norm = c.model_type == "qwen3" ? "per_head" : c.model_type == "olmo2" ? "whole" : "none";
  c.norm_placement = c.model_type == "olmo2" ? "post" : "pre";
  c.fused_projections = c.model_type == "phi3";
  if (c.model_type == "phi3") c.partial_rotary_factor = number_field(j, "partial_rotary_factor", source, 1.0);
  // Elsewhere attention_bias puts biases on o_proj too, which atman does not compute.
  if (c.model_type != "qwen2" && bool_field(j, "attention_bias", source, false)) {
    throw Error(source + ": attention_bias true is not supported for " + c.model_type);
  }
  if (bool_field(j, "mlp_bias", source, false)) throw Error(source + ": mlp_bias true is not supported");
  if (auto act = j.find("hidden_act"); act != j.end() && *act != "silu") {
    throw Error(source + ": hidden_act " + act->dump() + " is not supported (" + c.model_type + " uses silu)");
  }
}

// "rope_scaling" (wins when both are present) or the newer "rope_parameters"; "rope_type" or the
// legacy "type"; rope_theta may sit inside rope_parameters. An unknown type is refused: computing
// positions wrongly would give a model that runs and explains nothing right.
RopeScaling parse_rope_scaling(const json& j, const std::string& source, double* rope_theta) {
  RopeScaling s;
  const json* params = nullptr;
  for (const char* key : {"rope_parameters", "rope_scaling"}) {
    if (auto it = j.find(key); it != j.end() && !it->is_null()) {
      if (!it->is_object()) throw Error(source + ": field '" + key + "' must be an object, got " + it->dump());
      params = &*it;
    }
  }
  if (params == nullptr) return s;
  if (params->contains("rope_theta")) *rope_theta = number_field(*params, "rope_theta", source, *rope_theta);
  const json type = params->contains("rope_type") ? (*params)["rope_type"] : params->value("type", json("default"));
  if (!type.is_string()) throw Error(source + ": rope type must be a string, got " + type.dump());
  s.type = type.get<std::string>();
  if (s.type != "default" && s.type != "linear" && s.type != "llama3") {
    throw Error(source + ": rope type '" + s.type + "' is not supported (supported: default, linear, llama3)");
  }
  if (s.type == "default") return s;
  s.factor = number_field(*params, "factor", source, 0.0);
  if (!(s.factor >= 1.0)) throw Error(source + ": rope scaling 'factor' must be >= 1, got " + params->dump());
  if (s.type == "llama3") {
    s.low_freq_factor = number_field(*params, "low_freq_factor", source, 1.0);
    s.high_freq_factor = number_field(*params, "high_freq_factor", source, 4.0);
    s.original_max_position_embeddings = int_field(*params, "original_max_position_embeddings", source, true);
    if (!(s.high_freq_factor > s.low_freq_factor) || s.original_max_position_embeddings <= 0) {
      throw Error(source + ": llama3 rope scaling needs high_freq_factor > low_freq_factor and "
                           "original_max_position_embeddings > 0, got " + params->dump());
    }
  }
  return s;
}

}  // namespace

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
    throw Error("partial_rotary_factor " + std::to_string(partial_rotary_factor) + " must give an even rotary "
                "dimension in (0, head_dim]");
  }
  if (sliding_window < 0) throw Error("field 'sliding_window' must be >= 0");
  if (!(rms_norm_eps > 0)) throw Error("field 'rms_norm_eps' must be > 0");
  if (!(rope_theta > 0)) throw Error("field 'rope_theta' must be > 0");
  if (bos_token_id >= vocab_size) throw Error("bos_token_id is outside the vocabulary");
  if (eos_token_id >= vocab_size) throw Error("eos_token_id is outside the vocabulary");
}

ModelConfig ModelConfig::from_json(const json& j, const std::string& source) {
  if (!j.is_object()) throw Error(source + ": expected a JSON object");
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
  c.rope_theta = number_field(j, "rope_theta", source, 10000.0);
  c.max_position_embeddings = int_field(j, "max_position_embeddings", source, false, 2048);
  c.sliding_window = int_field(j, "sliding_window", source, false, 0);
  apply_family_fields(j, source, c);
  c.bos_token_id = int_field(j, "bos_token_id", source, false, -1);
  c.eos_token_id = int_field(j, "eos_token_id", source, false, -1);
  if (auto tie = j.find("tie_word_embeddings"); tie != j.end() && !tie->is_null()) {
    if (!tie->is_boolean()) throw Error(source + ": field 'tie_word_embeddings' must be a boolean");
    c.tie_word_embeddings = tie->get<bool>();
  }
  if (auto dtype = j.find("torch_dtype"); dtype != j.end() && dtype->is_string()) {
    c.torch_dtype = dtype->get<std::string>();
  }
  c.rope_scaling = parse_rope_scaling(j, source, &c.rope_theta);
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

}  // namespace

json ModelConfig::to_json() const {
  return json{{"architectures", {"LlamaForCausalLM"}},
              {"model_type", model_type},
              {"vocab_size", vocab_size},
              {"hidden_size", hidden_size},
              {"intermediate_size", intermediate_size},
              {"num_hidden_layers", num_hidden_layers},
              {"num_attention_heads", num_attention_heads},
              {"num_key_value_heads", num_key_value_heads},
              {"head_dim", head_dim},
              {"hidden_act", "silu"},
              {"rms_norm_eps", rms_norm_eps},
              {"rope_theta", rope_theta},
              {"rope_scaling", rope_scaling_json(rope_scaling)},
              {"max_position_embeddings", max_position_embeddings},
              {"sliding_window", sliding_window > 0 ? json(sliding_window) : json(nullptr)},
              {"tie_word_embeddings", tie_word_embeddings},
              {"partial_rotary_factor", partial_rotary_factor},
              {"bos_token_id", bos_token_id},
              {"eos_token_id", eos_token_id},
              {"torch_dtype", torch_dtype}};
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
