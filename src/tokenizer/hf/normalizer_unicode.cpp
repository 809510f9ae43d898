// NFC, NFD, NFKC, NFKD with the alignments of tokenizers (crate unicode-normalization-alignments):
// a decomposition's first character replaces the original one and the rest are insertions; a
// composition replaces its starter and the marks combined into it (see apply_changes for the
// origin it takes).
#include <utf8proc.h>

#include <algorithm>

#include "char_changes.hpp"
#include "normalizers.hpp"

namespace atman::hf {
namespace {

int combining_class(char32_t c) {
  return utf8proc_get_property(static_cast<utf8proc_int32_t>(c))->combining_class;
}

std::vector<CharChange> decompose(const std::string& text, bool compat) {
  const auto options =
      static_cast<utf8proc_option_t>(UTF8PROC_DECOMPOSE | (compat ? UTF8PROC_COMPAT : 0));
  std::vector<CharChange> out;
  utf8proc_int32_t buffer[32];
  for_each_char(text, [&](char32_t cp, size_t, size_t) {
    int boundclass = 0;
    const auto n = utf8proc_decompose_char(static_cast<utf8proc_int32_t>(cp), buffer, 32, options,
                                           &boundclass);
    if (n <= 0 || n > 32) {
      out.push_back({cp, 0});
      return;
    }
    for (utf8proc_ssize_t k = 0; k < n; ++k)
      out.push_back({static_cast<char32_t>(buffer[k]), k > 0 ? 1 : 0});
  });
  // Canonical ordering: each run of non-starters sorted stably by combining class; changes travel
  // with their characters.
  for (size_t i = 0; i < out.size();) {
    if (combining_class(out[i].c) == 0) {
      ++i;
      continue;
    }
    size_t j = i;
    while (j < out.size() && combining_class(out[j].c) != 0) ++j;
    std::stable_sort(out.begin() + static_cast<std::ptrdiff_t>(i),
                     out.begin() + static_cast<std::ptrdiff_t>(j),
                     [](const CharChange& a, const CharChange& b) {
                       return combining_class(a.c) < combining_class(b.c);
                     });
    i = j;
  }
  return out;
}

// The primary composite of starter + c, or 0.
char32_t compose_pair(char32_t starter, char32_t c) {
  utf8proc_int32_t pair[2] = {static_cast<utf8proc_int32_t>(starter),
                              static_cast<utf8proc_int32_t>(c)};
  const auto n = utf8proc_normalize_utf32(
      pair, 2, static_cast<utf8proc_option_t>(UTF8PROC_COMPOSE | UTF8PROC_STABLE));
  return n == 1 ? static_cast<char32_t>(pair[0]) : 0;
}

// Canonical composition, following the crate's Recompositions iterator step by step.
std::vector<CharChange> recompose(const std::vector<CharChange>& in) {
  std::vector<CharChange> out;
  std::vector<CharChange> blocked;  // non-starters held back behind the current starter
  bool have_composee = false;
  CharChange composee;
  int last_class = -1;  // class of the last held-back character; -1 when none
  const auto flush = [&] {
    out.push_back(composee);
    out.insert(out.end(), blocked.begin(), blocked.end());
    blocked.clear();
    last_class = -1;
  };
  for (const auto& ch : in) {
    const int ch_class = combining_class(ch.c);
    if (!have_composee) {
      if (ch_class != 0) {
        out.push_back(ch);
        continue;
      }
      composee = ch;
      have_composee = true;
      continue;
    }
    if (last_class >= 0 && last_class >= ch_class) {
      if (ch_class == 0) {
        flush();
        composee = ch;
        continue;
      }
      blocked.push_back(ch);
      last_class = ch_class;
      continue;
    }
    if (const char32_t composite = compose_pair(composee.c, ch.c)) {
      composee = {composite, composee.change + ch.change - 1};
      continue;
    }
    if (ch_class == 0 && last_class < 0) {
      flush();
      composee = ch;
      continue;
    }
    blocked.push_back(ch);
    last_class = ch_class;
  }
  if (have_composee) flush();
  return out;
}

class UnicodeNormalizer : public Normalizer {
 public:
  explicit UnicodeNormalizer(UnicodeForm form) : form_(form) {}

  void normalize(NormalizedText& text) const override {
    const bool compat = form_ == UnicodeForm::NFKC || form_ == UnicodeForm::NFKD;
    const bool compose = form_ == UnicodeForm::NFC || form_ == UnicodeForm::NFKC;
    auto changes = decompose(text.text, compat);
    if (compose) changes = recompose(changes);
    text = apply_changes(text, changes);
  }

 private:
  UnicodeForm form_;
};

}  // namespace

std::unique_ptr<Normalizer> make_unicode_normalizer(UnicodeForm form) {
  return std::make_unique<UnicodeNormalizer>(form);
}

}  // namespace atman::hf
