#include "normalizers.hpp"

namespace atman::hf {
namespace {

// Prepends unless the text is empty. As in tokenizers, the inserted text shares the origin of
// the first character (it is not an empty span before it).
class PrependNormalizer : public Normalizer {
 public:
  explicit PrependNormalizer(std::string prepend) : prepend_(std::move(prepend)) {}

  void normalize(NormalizedText& text) const override {
    if (text.empty()) return;
    NormalizedText out;
    out.append(prepend_, text.origin.front());
    out.append(text);
    text = std::move(out);
  }

 private:
  std::string prepend_;
};

}  // namespace

std::unique_ptr<Normalizer> make_prepend_normalizer(std::string prepend) {
  return std::make_unique<PrependNormalizer>(std::move(prepend));
}

}  // namespace atman::hf
