#include "model_family.hpp"

#include <algorithm>

#include "atman/error.hpp"
#include "config_fields.hpp"

namespace atman {
namespace {

using nlohmann::json;
using namespace config_fields;

const char* const kSupportedTypes[] = {"llama", "mistral", "qwen2", "qwen3", "phi3", "gemma2", "gemma3_text", "olmo2"};

bool is_gemma(const std::string& type) { return type == "gemma2" || type == "gemma3_text"; }

// Gemma3TextConfig's defaults (transformers), which a gemma3 text_config relies on.
json gemma3_text_defaults() {
  return {{"model_type", "gemma3_text"},       {"vocab_size", 262208},
          {"hidden_size", 2304},               {"intermediate_size", 9216},
          {"num_hidden_layers", 26},           {"num_attention_heads", 8},
          {"num_key_value_heads", 4},          {"head_dim", 256},
          {"hidden_activation", "gelu_pytorch_tanh"}, {"max_position_embeddings", 131072},
          {"rms_norm_eps", 1e-6},              {"bos_token_id", 2},
          {"eos_token_id", 1},                 {"tie_word_embeddings", true},
          {"rope_theta", 1000000.0},           {"query_pre_attn_scalar", 256},
          {"sliding_window", 4096},            {"final_logit_softcapping", nullptr},
          {"attn_logit_softcapping", nullptr}, {"rope_local_base_freq", 10000.0},
          {"sliding_window_pattern", 6}};
}

// A softcap: absent gives the family's default, null none (0), else a positive number.
double softcap_field(const json& j, const char* name, const std::string& source, double absent) {
  if (!j.contains(name)) return absent;
  const double cap = number_field(j, name, source, 0.0);
  if (cap < 0) throw Error(source + ": field '" + std::string(name) + "' must be > 0 or null");
  return cap;
}

// Layers are rarely more than a few hundred; a flag per layer is only allocated below this.
constexpr int64_t kMaxLayers = 1 << 16;

// One flag per layer saying whether it slides: config.json's layer_types where given, else the
// family's rule. Empty means every layer (mistral, phi3).
std::vector<bool> sliding_layers(const json& j, const std::string& source, const ModelConfig& c) {
  const int64_t n = c.num_hidden_layers;
  if (auto types = j.find("layer_types"); types != j.end() && !types->is_null()) {
    if (!types->is_array() || static_cast<int64_t>(types->size()) != n) {
      throw Error(source + ": field 'layer_types' must list one type per layer (" + std::to_string(n) + ")");
    }
    std::vector<bool> slides;
    for (const auto& t : *types) {
      if (t != "sliding_attention" && t != "full_attention") {
        throw Error(source + ": layer type " + t.dump() + " is not supported (supported: full_attention, "
                             "sliding_attention)");
      }
      slides.push_back(t == "sliding_attention");
    }
    return slides;
  }
  int64_t period = 0;      // layer i slides iff (i + 1) % period != 0
  int64_t first = 0;       // layers before this never slide
  if (c.model_type == "gemma2") period = 2;  // even layers: 0, 2, ...
  if (c.model_type == "gemma3_text") {
    period = int_field(j, "sliding_window_pattern", source, false, 6);
    if (period <= 0) throw Error(source + ": field 'sliding_window_pattern' must be > 0");
  }
  if (c.model_type == "qwen2" || c.model_type == "qwen3") first = int_field(j, "max_window_layers", source, false, 28);
  if (period == 0 && first == 0) return {};
  if (n > kMaxLayers) throw Error(source + ": num_hidden_layers " + std::to_string(n) + " is implausibly large");
  std::vector<bool> slides(static_cast<size_t>(n));
  for (int64_t i = 0; i < n; ++i) slides[static_cast<size_t>(i)] = i >= first && (period == 0 || (i + 1) % period != 0);
  return slides;
}

void read_gemma_fields(const json& j, const std::string& source, ModelConfig& c) {
  c.norm_placement = "sandwich";
  c.norm_offset = 1.0;
  c.scale_embeddings = true;
  c.query_pre_attn_scalar = number_field(j, "query_pre_attn_scalar", source, 256);
  if (!(c.query_pre_attn_scalar > 0)) throw Error(source + ": field 'query_pre_attn_scalar' must be > 0");
  const bool gemma2 = c.model_type == "gemma2";
  // transformers' gemma3 attention never passes attn_logit_softcapping on: it is inert there.
  c.attn_logit_softcapping = gemma2 ? softcap_field(j, "attn_logit_softcapping", source, 50.0) : 0.0;
  c.final_logit_softcapping = softcap_field(j, "final_logit_softcapping", source, gemma2 ? 30.0 : 0.0);
  if (!j.contains("sliding_window")) c.sliding_window = 4096;
  if (c.model_type == "gemma3_text") c.qk_norm = "per_head";
  if (!j.contains("tie_word_embeddings")) c.tie_word_embeddings = true;
}

}  // namespace

std::string supported_model_types() {
  std::string names;
  for (const char* t : kSupportedTypes) names += (names.empty() ? "" : ", ") + std::string(t);
  return names;
}

void require_supported_model_type(const std::string& model_type) {
  if (std::find(std::begin(kSupportedTypes), std::end(kSupportedTypes), model_type) == std::end(kSupportedTypes)) {
    throw Error("unsupported model_type '" + model_type + "' (supported: " + supported_model_types() +
                "; gemma3 checkpoints are read through their text_config)");
  }
}

json text_model_config(const json& j, std::string& source) {
  if (!j.is_object()) return j;
  const std::string type = j.value("model_type", json()).is_string() ? j["model_type"].get<std::string>() : "";
  if (type == "gemma3") {
    auto text = j.find("text_config");
    if (text == j.end() || !text->is_object()) throw Error(source + ": gemma3 config has no 'text_config' object");
    json merged = gemma3_text_defaults();
    // The stop tokens of a multimodal checkpoint sit at the top level.
    for (const char* key : {"bos_token_id", "eos_token_id"}) {
      if (j.contains(key)) merged[key] = j[key];
    }
    merged.update(*text);
    source += " (text_config)";
    return merged;
  }
  if (type == "gemma3_text") {
    json merged = gemma3_text_defaults();
    merged.update(j);
    return merged;
  }
  return j;
}

void read_family_fields(const json& j, const std::string& source, ModelConfig& c) {
  try {
    require_supported_model_type(c.model_type);  // before reading fields another family spells
  } catch (const Error& e) {
    throw Error(source + ": " + e.what());
  }
  const std::string& type = c.model_type;
  if ((type == "qwen2" || type == "qwen3") && !bool_field(j, "use_sliding_window", source, false)) {
    c.sliding_window = 0;  // Qwen slides only where use_sliding_window says so
  }
  c.sliding_layers = sliding_layers(j, source, c);
  c.qkv_bias = type == "qwen2";  // always, with none on o_proj
  c.qk_norm = type == "qwen3" ? "per_head" : type == "olmo2" ? "whole" : "none";
  c.norm_placement = type == "olmo2" ? "post" : "pre";
  c.fused_projections = type == "phi3";
  if (type == "phi3") c.partial_rotary_factor = number_field(j, "partial_rotary_factor", source, 1.0);
  // HF's Gemma MLP reads hidden_activation; the others hidden_act.
  c.activation = is_gemma(type) ? string_field(j, "hidden_activation", source,
                                               string_field(j, "hidden_act", source, "gelu_pytorch_tanh"))
                                : string_field(j, "hidden_act", source, "silu");
  if (is_gemma(type)) read_gemma_fields(j, source, c);
  // Elsewhere attention_bias puts biases on o_proj too, which atman does not compute.
  if (type != "qwen2" && bool_field(j, "attention_bias", source, false)) {
    throw Error(source + ": attention_bias true is not supported for " + type);
  }
  if (bool_field(j, "mlp_bias", source, false)) throw Error(source + ": mlp_bias true is not supported");
}

}  // namespace atman
