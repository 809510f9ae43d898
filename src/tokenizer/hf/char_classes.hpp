#pragma once
// Character predicates with the meaning Rust gives them, as the `tokenizers` library uses them.
namespace atman::hf {

bool is_white_space(char32_t c);  // char::is_whitespace: the Unicode White_Space property
bool is_numeric(char32_t c);      // char::is_numeric: categories Nd, Nl, No
// tokenizers' is_punc: ASCII punctuation (symbols such as '$' and '+' included) or a Unicode
// punctuation category (Pc, Pd, Ps, Pe, Pi, Pf, Po).
bool is_punctuation(char32_t c);

}  // namespace atman::hf
