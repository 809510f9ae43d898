#include "regex.hpp"

#define PCRE2_CODE_UNIT_WIDTH 8
#include <pcre2.h>

#include <memory>

#include "atman/error.hpp"

namespace atman::hf {
namespace {

std::string pcre2_message(int code) {
  PCRE2_UCHAR buffer[256];
  if (pcre2_get_error_message(code, buffer, sizeof buffer) < 0)
    return "error " + std::to_string(code);
  return reinterpret_cast<const char*>(buffer);
}

size_t utf8_length(unsigned char lead) {
  return lead < 0x80 ? 1 : lead < 0xE0 ? 2 : lead < 0xF0 ? 3 : 4;
}

struct MatchDataFree {
  void operator()(pcre2_match_data* m) const { pcre2_match_data_free(m); }
};

}  // namespace

Regex::Regex(const std::string& pattern, bool literal, const std::string& source)
    : pattern_(pattern) {
  int error = 0;
  PCRE2_SIZE offset = 0;
  // PCRE2 allows no UCP with LITERAL; plain text needs no character classes anyway.
  const uint32_t options = PCRE2_UTF | (literal ? PCRE2_LITERAL : PCRE2_UCP);
  pcre2_code* code = pcre2_compile(reinterpret_cast<PCRE2_SPTR>(pattern.data()), pattern.size(),
                                   options, &error, &offset, nullptr);
  if (code == nullptr) {
    throw Error(source + ": cannot compile regex '" + pattern + "': " + pcre2_message(error) +
                " at offset " + std::to_string(offset));
  }
  pcre2_jit_compile(code, PCRE2_JIT_COMPLETE);  // failure only means the slower interpreter is used
  code_ = code;
}

Regex::~Regex() { pcre2_code_free(static_cast<pcre2_code*>(code_)); }

std::vector<std::pair<size_t, size_t>> Regex::find_all(const std::string& text) const {
  auto* code = static_cast<pcre2_code*>(code_);
  std::unique_ptr<pcre2_match_data, MatchDataFree> data(
      pcre2_match_data_create_from_pattern(code, nullptr));
  std::vector<std::pair<size_t, size_t>> out;
  const auto* subject = reinterpret_cast<PCRE2_SPTR>(text.data());
  size_t at = 0;
  bool have_last = false;
  size_t last_end = 0;
  uint32_t check = 0;  // validate the UTF-8 once, not at every search
  while (at <= text.size()) {
    const int rc = pcre2_match(code, subject, text.size(), at, check, data.get(), nullptr);
    if (rc == PCRE2_ERROR_NOMATCH) break;
    if (rc < 0) throw Error("regex '" + pattern_ + "': " + pcre2_message(rc));
    check = PCRE2_NO_UTF_CHECK;
    const PCRE2_SIZE* ovector = pcre2_get_ovector_pointer(data.get());
    const size_t begin = ovector[0], end = ovector[1];
    if (begin == end && have_last && last_end == end) {
      // Step over one character and search again, so an empty match cannot repeat.
      if (at >= text.size()) break;
      at += utf8_length(static_cast<unsigned char>(text[at]));
      continue;
    }
    out.emplace_back(begin, end);
    at = end;
    have_last = true;
    last_end = end;
  }
  return out;
}

std::unique_ptr<Regex> regex_from_json(const nlohmann::json& pattern, const std::string& component,
                                       const std::string& source) {
  if (pattern.is_object() && pattern.size() == 1) {
    if (pattern.contains("String") && pattern["String"].is_string()) {
      return std::make_unique<Regex>(pattern["String"].get<std::string>(), true, source);
    }
    if (pattern.contains("Regex") && pattern["Regex"].is_string()) {
      return std::make_unique<Regex>(pattern["Regex"].get<std::string>(), false, source);
    }
  }
  throw Error(source + ": unsupported pattern " + pattern.dump() + " in " + component);
}

}  // namespace atman::hf
