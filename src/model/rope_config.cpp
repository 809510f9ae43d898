#include "rope_config.hpp"

#include "atman/error.hpp"
#include "config_fields.hpp"

namespace atman {
namespace {

using nlohmann::json;
using namespace config_fields;

// One rope parameter object -> scaling; its rope_theta, when present, replaces *theta.
RopeScaling parse_scaling(const json& params, const std::string& source, double* theta) {
  RopeScaling s;
  if (params.contains("rope_theta")) *theta = number_field(params, "rope_theta", source, *theta);
  const json type = params.contains("rope_type") ? params["rope_type"] : params.value("type", json("default"));
  if (!type.is_string()) throw Error(source + ": rope type must be a string, got " + type.dump());
  s.type = type.get<std::string>();
  if (s.type != "default" && s.type != "linear" && s.type != "llama3") {
    throw Error(source + ": rope type '" + s.type + "' is not supported (supported: default, linear, llama3)");
  }
  if (s.type == "default") return s;
  s.factor = number_field(params, "factor", source, 0.0);
  if (!(s.factor >= 1.0)) throw Error(source + ": rope scaling 'factor' must be >= 1, got " + params.dump());
  if (s.type == "llama3") {
    s.low_freq_factor = number_field(params, "low_freq_factor", source, 1.0);
    s.high_freq_factor = number_field(params, "high_freq_factor", source, 4.0);
    s.original_max_position_embeddings = int_field(params, "original_max_position_embeddings", source, true);
    if (!(s.high_freq_factor > s.low_freq_factor) || s.original_max_position_embeddings <= 0) {
      throw Error(source + ": llama3 rope scaling needs high_freq_factor > low_freq_factor and "
                           "original_max_position_embeddings > 0, got " + params.dump());
    }
  }
  return s;
}

}  // namespace

void read_rope_fields(const json& j, const std::string& source, ModelConfig& c) {
  c.rope_theta = number_field(j, "rope_theta", source, 10000.0);
  // gemma3's sliding layers turn by their own unscaled base.
  if (c.model_type == "gemma3_text") c.local_rope_theta = number_field(j, "rope_local_base_freq", source, 10000.0);
  const json* params = nullptr;
  for (const char* key : {"rope_parameters", "rope_scaling"}) {  // rope_scaling wins when both are there
    if (auto it = j.find(key); it != j.end() && !it->is_null()) {
      if (!it->is_object()) throw Error(source + ": field '" + key + "' must be an object, got " + it->dump());
      params = &*it;
    }
  }
  if (params == nullptr) return;
  const auto full = params->find("full_attention"), sliding = params->find("sliding_attention");
  if (full == params->end() && sliding == params->end()) {
    c.rope_scaling = parse_scaling(*params, source, &c.rope_theta);
    return;
  }
  // Per layer type: full-attention layers use the global table, sliding ones the local.
  if (full != params->end()) c.rope_scaling = parse_scaling(*full, source, &c.rope_theta);
  if (sliding != params->end()) {
    double local_theta = c.local_rope_theta > 0 ? c.local_rope_theta : c.rope_theta;
    if (parse_scaling(*sliding, source, &local_theta).type != "default") {
      throw Error(source + ": scaled rope on sliding_attention layers is not supported");
    }
    c.local_rope_theta = local_theta;
  }
}

}  // namespace atman
