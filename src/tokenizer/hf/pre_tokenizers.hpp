#pragma once
// The pre-tokenizer kinds of tokenizer.json, built from already parsed settings
// (pre_tokenizer_factory.cpp reads the JSON). Each drops empty pieces, as tokenizers does.
#include <memory>

#include "components.hpp"
#include "regex.hpp"
#include "split_segments.hpp"

namespace atman::hf {

std::unique_ptr<PreTokenizer> make_split_pre_tokenizer(std::unique_ptr<Regex> pattern,
                                                       SplitBehavior behavior, bool invert);
std::unique_ptr<PreTokenizer> make_whitespace_pre_tokenizer();  // \w+|[^\w\s]+, the rest removed
std::unique_ptr<PreTokenizer> make_byte_level_pre_tokenizer(bool add_prefix_space, bool use_regex);

enum class PrependScheme { Always, First, Never };
std::unique_ptr<PreTokenizer> make_metaspace_pre_tokenizer(char32_t replacement,
                                                           PrependScheme scheme, bool split);

std::unique_ptr<PreTokenizer> make_digits_pre_tokenizer(bool individual_digits);
std::unique_ptr<PreTokenizer> make_punctuation_pre_tokenizer(SplitBehavior behavior);
std::unique_ptr<PreTokenizer> make_whitespace_split_pre_tokenizer();

}  // namespace atman::hf
