#pragma once
// The stages of a Hugging Face tokenizer.json pipeline, as the `tokenizers` library defines them:
//   added tokens -> normalizer -> pre-tokenizer -> model (BPE) -> post-processor; decoder back.
// Each stage is an interface built from its JSON object by a factory; the factories throw
// atman::Error naming the component and `source` (the tokenizer.json path) for anything they
// do not implement, so nothing is silently skipped.
#include <cstdint>
#include <memory>
#include <nlohmann/json.hpp>
#include <optional>
#include <string>
#include <vector>

#include "normalized_text.hpp"

namespace atman::hf {

// Rewrites the text in place (NFC, Replace, Prepend, ...), keeping each byte's origin.
class Normalizer {
 public:
  virtual ~Normalizer() = default;
  virtual void normalize(NormalizedText& text) const = 0;
};

// Splits one piece into smaller pieces, in order (Split, ByteLevel, Metaspace, ...). A piece
// may also be rewritten (ByteLevel maps bytes to its alphabet, Metaspace spaces to U+2581).
class PreTokenizer {
 public:
  virtual ~PreTokenizer() = default;
  virtual std::vector<NormalizedText> split(const NormalizedText& piece) const = 0;
};

// One token of the output, before and after post-processing.
struct EncodedToken {
  int64_t id = 0;
  std::string value;     // the vocabulary string (as `tokens` in the reference)
  Span span;             // characters of the user's text; empty for template tokens
  bool special = false;  // added by the post-processor, or an added token marked special
};

// Adds template tokens (BOS, ...) when `add_special_tokens`; may adjust spans (trim_offsets).
class PostProcessor {
 public:
  virtual ~PostProcessor() = default;
  virtual void process(std::vector<EncodedToken>& tokens, bool add_special_tokens) const = 0;
};

// Turns token strings back into text, step by step (tokenizers' decode_chain): each decoder maps
// the list of strings to a new list; the final text is their concatenation.
class Decoder {
 public:
  virtual ~Decoder() = default;
  virtual std::vector<std::string> decode_chain(std::vector<std::string> tokens) const = 0;
};

// Factories. A JSON null gives nullptr (the stage is absent).
std::unique_ptr<Normalizer> make_normalizer(const nlohmann::json& j, const std::string& source);
std::unique_ptr<PreTokenizer> make_pre_tokenizer(const nlohmann::json& j,
                                                 const std::string& source);
std::unique_ptr<PostProcessor> make_post_processor(const nlohmann::json& j,
                                                   const std::string& source);
std::unique_ptr<Decoder> make_decoder(const nlohmann::json& j, const std::string& source);

}  // namespace atman::hf
