// Sequence post-processor: each processor of "processors" in turn.
#include "atman/error.hpp"
#include "components.hpp"

namespace atman::hf {
namespace {

class SequencePostProcessor : public PostProcessor {
 public:
  explicit SequencePostProcessor(std::vector<std::unique_ptr<PostProcessor>> processors)
      : processors_(std::move(processors)) {}

  void process(std::vector<EncodedToken>& tokens, bool add_special_tokens) const override {
    for (const auto& p : processors_) p->process(tokens, add_special_tokens);
  }

 private:
  std::vector<std::unique_ptr<PostProcessor>> processors_;
};

}  // namespace

std::unique_ptr<PostProcessor> make_sequence_post_processor(const nlohmann::json& j,
                                                            const std::string& source) {
  if (!j.contains("processors") || !j["processors"].is_array()) {
    throw Error(source + ": post_processor Sequence: \"processors\" must be an array");
  }
  std::vector<std::unique_ptr<PostProcessor>> processors;
  for (const auto& p : j["processors"]) {
    if (p.is_null()) throw Error(source + ": post_processor Sequence: null processor");
    processors.push_back(make_post_processor(p, source));
  }
  return std::make_unique<SequencePostProcessor>(std::move(processors));
}

}  // namespace atman::hf
