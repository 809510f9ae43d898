#pragma once
// What differs between the model families atman computes, read from config.json into the
// fields of ModelConfig (one forward pass serves every family).
#include <string>

#include <nlohmann/json.hpp>

#include "atman/model_config.hpp"

namespace atman {

// "llama, mistral, ...": the model_type values atman computes.
std::string supported_model_types();
// Throws atman::Error naming `model_type` and listing the supported ones.
void require_supported_model_type(const std::string& model_type);

// The config of the text model: `j` itself, or for a multimodal gemma3 checkpoint its
// text_config. Gemma 3 files omit every field equal to Gemma3TextConfig's default, so those
// defaults are filled in. `source` is renamed to point at text_config when it is used.
nlohmann::json text_model_config(const nlohmann::json& j, std::string& source);

// Sets the family fields of `c` (c.model_type and the generic fields already read). Fields
// that would change the computation in a way atman does not implement are refused by name.
void read_family_fields(const nlohmann::json& j, const std::string& source, ModelConfig& c);

}  // namespace atman
