// make_decoder: the "decoder" object of a tokenizer.json, one kind per decoder_*.cpp file.
#include "atman/error.hpp"
#include "components.hpp"

namespace atman::hf {

// Each takes the decoder's JSON object and `where` ("<source>: decoder <Type>") for messages.
std::unique_ptr<Decoder> make_byte_level_decoder(const nlohmann::json& j, const std::string& where);
std::unique_ptr<Decoder> make_metaspace_decoder(const nlohmann::json& j, const std::string& where);
std::unique_ptr<Decoder> make_replace_decoder(const nlohmann::json& j, const std::string& where);
std::unique_ptr<Decoder> make_byte_fallback_decoder(const nlohmann::json& j,
                                                    const std::string& where);
std::unique_ptr<Decoder> make_fuse_decoder(const nlohmann::json& j, const std::string& where);
std::unique_ptr<Decoder> make_strip_decoder(const nlohmann::json& j, const std::string& where);
std::unique_ptr<Decoder> make_sequence_decoder(const nlohmann::json& j, const std::string& source);

std::unique_ptr<Decoder> make_decoder(const nlohmann::json& j, const std::string& source) {
  if (j.is_null()) return nullptr;
  if (!j.is_object() || !j.contains("type") || !j["type"].is_string()) {
    throw Error(source + ": decoder: expected an object with a \"type\", got " + j.dump());
  }
  const std::string type = j["type"].get<std::string>();
  const std::string where = source + ": decoder " + type;
  if (type == "ByteLevel") return make_byte_level_decoder(j, where);
  if (type == "Metaspace") return make_metaspace_decoder(j, where);
  if (type == "Replace") return make_replace_decoder(j, where);
  if (type == "ByteFallback") return make_byte_fallback_decoder(j, where);
  if (type == "Fuse") return make_fuse_decoder(j, where);
  if (type == "Strip") return make_strip_decoder(j, where);
  if (type == "Sequence") return make_sequence_decoder(j, source);
  throw Error(source + ": unsupported decoder type \"" + type + "\"");
}

}  // namespace atman::hf
