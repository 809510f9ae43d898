#pragma once
// The normalizer kinds of tokenizer.json, built from already parsed settings
// (normalizer_factory.cpp reads the JSON).
#include <memory>
#include <string>
#include <vector>

#include "components.hpp"
#include "regex.hpp"

namespace atman::hf {

enum class UnicodeForm { NFC, NFD, NFKC, NFKD };

std::unique_ptr<Normalizer> make_unicode_normalizer(UnicodeForm form);
std::unique_ptr<Normalizer> make_prepend_normalizer(std::string prepend);
std::unique_ptr<Normalizer> make_replace_normalizer(std::unique_ptr<Regex> pattern,
                                                    std::string content);
std::unique_ptr<Normalizer> make_lowercase_normalizer();
std::unique_ptr<Normalizer> make_strip_normalizer(bool left, bool right);

}  // namespace atman::hf
