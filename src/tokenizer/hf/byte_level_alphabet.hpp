#pragma once
// GPT-2's byte-to-unicode table (ByteLevel pre-tokenizer and decoder): every byte becomes a
// printable character, so that byte-level BPE vocabularies are readable strings.
#include <cstdint>
#include <optional>

namespace atman::hf {

// The character that stands for byte `b`.
char32_t byte_to_char(uint8_t b);

// The byte that character `c` stands for; nullopt when `c` is not in the alphabet.
std::optional<uint8_t> char_to_byte(char32_t c);

}  // namespace atman::hf
