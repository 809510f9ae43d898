#pragma once
// A compiled PCRE2 pattern (UTF + Unicode properties, JIT when available) that finds matches the
// way the Rust `tokenizers` library does (Oniguruma / regex crate `find_iter`).
#include <cstddef>
#include <memory>
#include <nlohmann/json.hpp>
#include <string>
#include <utility>
#include <vector>

namespace atman::hf {

class Regex {
 public:
  // Compiles `pattern`, or matches it as plain text when `literal` (tokenizers' {"String": ...}).
  // Throws atman::Error naming `source`, with PCRE2's message and offset, when PCRE2 rejects it.
  Regex(const std::string& pattern, bool literal, const std::string& source);
  ~Regex();
  Regex(const Regex&) = delete;
  Regex& operator=(const Regex&) = delete;

  // Non-overlapping matches, left to right, as byte ranges [begin, end). An empty match right
  // where the previous match ended is skipped, as Rust's find_iter does.
  std::vector<std::pair<size_t, size_t>> find_all(const std::string& text) const;

 private:
  void* code_ = nullptr;  // pcre2_code_8; kept opaque so that users need not include pcre2.h
  std::string pattern_;
};

// A tokenizer.json pattern, {"String": text} or {"Regex": pattern}; anything else throws
// atman::Error naming `component` and `source`.
std::unique_ptr<Regex> regex_from_json(const nlohmann::json& pattern, const std::string& component,
                                       const std::string& source);

}  // namespace atman::hf
