#pragma once
// tokenizers' NormalizedString::transform: the new text as a list of (character, change) where
// change 0 replaces the next original character, +1 inserts a character, and -n replaces the
// next one and removes n more. Origins follow the Rust library's rules, except that a character
// replacing n more takes their origins too (tokenizers keeps only the first's), so that token
// spans tile the text.
#include <vector>

#include "normalized_text.hpp"

namespace atman::hf {

struct CharChange {
  char32_t c = 0;
  int change = 0;
};

NormalizedText apply_changes(const NormalizedText& text, const std::vector<CharChange>& changes);

}  // namespace atman::hf
