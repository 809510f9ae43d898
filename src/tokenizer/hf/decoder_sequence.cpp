// Sequence decoder: each decoder of "decoders" in turn, each on the previous one's output.
#include "atman/error.hpp"
#include "components.hpp"

namespace atman::hf {
namespace {

class SequenceDecoder : public Decoder {
 public:
  explicit SequenceDecoder(std::vector<std::unique_ptr<Decoder>> decoders)
      : decoders_(std::move(decoders)) {}

  std::vector<std::string> decode_chain(std::vector<std::string> tokens) const override {
    for (const auto& d : decoders_) tokens = d->decode_chain(std::move(tokens));
    return tokens;
  }

 private:
  std::vector<std::unique_ptr<Decoder>> decoders_;
};

}  // namespace

std::unique_ptr<Decoder> make_sequence_decoder(const nlohmann::json& j, const std::string& source) {
  if (!j.contains("decoders") || !j["decoders"].is_array()) {
    throw Error(source + ": decoder Sequence: \"decoders\" must be an array");
  }
  std::vector<std::unique_ptr<Decoder>> decoders;
  for (const auto& d : j["decoders"]) {
    if (d.is_null()) throw Error(source + ": decoder Sequence: null decoder");
    decoders.push_back(make_decoder(d, source));
  }
  return std::make_unique<SequenceDecoder>(std::move(decoders));
}

}  // namespace atman::hf
