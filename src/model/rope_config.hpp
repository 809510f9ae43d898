#pragma once
// The rotary fields of config.json in every spelling users' files have: "rope_scaling" or the
// newer "rope_parameters", "rope_type" or the legacy "type", rope_theta at the top level or
// inside, and gemma3's per-layer-type rope_parameters.
#include <string>

#include <nlohmann/json.hpp>

#include "atman/model_config.hpp"

namespace atman {

// Sets c.rope_theta, c.rope_scaling and c.local_rope_theta (c.model_type already read).
// An unknown rope type is refused: positions computed wrongly give a model that runs and
// explains nothing right.
void read_rope_fields(const nlohmann::json& j, const std::string& source, ModelConfig& c);

}  // namespace atman
