// make_post_processor: the "post_processor" object of a tokenizer.json, one kind per
// post_processor_*.cpp file.
#include "atman/error.hpp"
#include "components.hpp"

namespace atman::hf {

// Each takes the processor's JSON object and `where` ("<source>: post_processor <Type>").
std::unique_ptr<PostProcessor> make_template_processing(const nlohmann::json& j,
                                                        const std::string& where);
std::unique_ptr<PostProcessor> make_byte_level_post_processor(const nlohmann::json& j,
                                                              const std::string& where);
std::unique_ptr<PostProcessor> make_sequence_post_processor(const nlohmann::json& j,
                                                            const std::string& source);

std::unique_ptr<PostProcessor> make_post_processor(const nlohmann::json& j,
                                                   const std::string& source) {
  if (j.is_null()) return nullptr;
  if (!j.is_object() || !j.contains("type") || !j["type"].is_string()) {
    throw Error(source + ": post_processor: expected an object with a \"type\", got " + j.dump());
  }
  const std::string type = j["type"].get<std::string>();
  const std::string where = source + ": post_processor " + type;
  if (type == "TemplateProcessing") return make_template_processing(j, where);
  if (type == "ByteLevel") return make_byte_level_post_processor(j, where);
  if (type == "Sequence") return make_sequence_post_processor(j, source);
  if (type == "RobertaProcessing" || type == "BertProcessing") {
    throw Error(source + ": post_processor type \"" + type +
                "\" is not supported (only BPE decoder-style "
                "tokenizers are; it belongs to encoder models)");
  }
  throw Error(source + ": unsupported post_processor type \"" + type + "\"");
}

}  // namespace atman::hf
