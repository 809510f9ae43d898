// Fuse decoder: all tokens joined into one.
#include "components.hpp"

namespace atman::hf {
namespace {

class FuseDecoder : public Decoder {
 public:
  std::vector<std::string> decode_chain(std::vector<std::string> tokens) const override {
    std::string joined;
    for (const std::string& t : tokens) joined += t;
    return {joined};
  }
};

}  // namespace

std::unique_ptr<Decoder> make_fuse_decoder(const nlohmann::json&, const std::string&) {
  return std::make_unique<FuseDecoder>();
}

}  // namespace atman::hf
