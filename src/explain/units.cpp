#include "atman/units.hpp"

#include <algorithm>
#include <set>

#include "atman/error.hpp"
#include "atman/utf8.hpp"

namespace atman {
namespace {

bool is_space(char32_t c) { return c == U' ' || c == U'\t' || c == U'\n' || c == U'\r' || c == U'\f' || c == U'\v'; }

// Closing quotes and brackets may follow a sentence's final punctuation.
bool is_closer(char32_t c) {
  return c == U'"' || c == U'\'' || c == U')' || c == U']' || c == U'\u201D' || c == U'\u2019';
}

bool ends_sentence(const std::u32string& text, size_t end) {
  size_t i = end;
  while (i > 0 && is_closer(text[i - 1])) --i;
  return i > 0 && (text[i - 1] == U'.' || text[i - 1] == U'!' || text[i - 1] == U'?');
}

// Number of newlines in the whitespace run starting at i.
int newlines_in_run(const std::u32string& text, size_t i) {
  int n = 0;
  for (; i < text.size() && is_space(text[i]); ++i) n += text[i] == U'\n';
  return n;
}

// Tokens of one stretch of text (the prompt, a message's content in it, or target[:-1]) with
// their input positions. Token and unit spans count from the start of `source`'s text; the
// stretch is [offset, offset + text_chars) of it.
struct SourceTokens {
  std::string source;
  std::u32string text;  // the stretch that the units must tile
  int64_t offset = 0;
  std::vector<std::pair<int64_t, const Token*>> tokens;  // (input position, token)
  int64_t message = -1;
};

void append_units(const SourceTokens& src, const UnitOptions& options, std::vector<Unit>& units) {
  const auto text_chars = static_cast<int64_t>(src.text.size());
  if (src.tokens.empty() || text_chars == 0) return;
  const std::u32string& text = src.text;
  std::vector<int64_t> bounds;
  if (options.granularity == Granularity::kToken) {
    std::set<int64_t> starts{0};
    for (const auto& [pos, tok] : src.tokens) {
      if (tok->length > 0 && tok->start - src.offset < text_chars) starts.insert(tok->start - src.offset);
    }
    bounds.assign(starts.begin(), starts.end());
  } else if (options.granularity == Granularity::kMessage) {
    bounds = {0};
  } else {
    bounds = unit_boundaries(text, options.granularity, utf8_to_u32(options.delimiter));
  }
  bounds.push_back(text_chars);

  // Segment k covers [bounds[k], bounds[k+1]); each token joins the segment holding its first
  // character, zero-length pieces join the segment of the token before them.
  std::vector<std::vector<int64_t>> members(bounds.size() - 1);
  size_t last_segment = 0;
  for (const auto& [pos, tok] : src.tokens) {
    if (tok->length > 0) {
      last_segment = static_cast<size_t>(
          std::upper_bound(bounds.begin(), bounds.end(), tok->start - src.offset) - bounds.begin() - 1);
      last_segment = std::min(last_segment, members.size() - 1);
    }
    members[last_segment].push_back(pos);
  }
  // A segment no token starts in (its text is inside a token of a neighbour) merges into the
  // unit before it, or the one after it when it is first, so spans still tile the text.
  std::vector<std::pair<int64_t, std::vector<int64_t>>> merged;  // (start, tokens)
  int64_t pending_start = -1;
  for (size_t k = 0; k < members.size(); ++k) {
    if (members[k].empty()) {
      if (merged.empty() && pending_start < 0) pending_start = bounds[k];
      continue;
    }
    const int64_t start = pending_start >= 0 ? pending_start : bounds[k];
    pending_start = -1;
    merged.emplace_back(start, members[k]);
  }
  for (size_t m = 0; m < merged.size(); ++m) {
    Unit u;
    u.index = static_cast<int64_t>(units.size());
    u.source = src.source;
    const int64_t start = merged[m].first;
    const int64_t end = m + 1 < merged.size() ? merged[m + 1].first : text_chars;
    u.start = src.offset + start;
    u.length = end - start;
    u.token_indices = merged[m].second;
    u.text = u32_to_utf8(text.substr(static_cast<size_t>(start), static_cast<size_t>(u.length)));
    u.message = src.message;
    units.push_back(std::move(u));
  }
}

}  // namespace

Granularity parse_granularity(const std::string& name) {
  if (name == "token") return Granularity::kToken;
  if (name == "word") return Granularity::kWord;
  if (name == "sentence") return Granularity::kSentence;
  if (name == "paragraph") return Granularity::kParagraph;
  if (name == "delimiter") return Granularity::kDelimiter;
  if (name == "message") return Granularity::kMessage;
  if (name == "auto") return Granularity::kAuto;
  throw Error("unknown granularity '" + name + "' (expected token, word, sentence, paragraph, message, auto)");
}

std::string granularity_name(Granularity g) {
  switch (g) {
    case Granularity::kToken: return "token";
    case Granularity::kWord: return "word";
    case Granularity::kSentence: return "sentence";
    case Granularity::kParagraph: return "paragraph";
    case Granularity::kDelimiter: return "delimiter";
    case Granularity::kMessage: return "message";
    case Granularity::kAuto: return "auto";
  }
  return "token";
}

std::vector<int64_t> unit_boundaries(const std::u32string& text, Granularity granularity,
                                     const std::u32string& delimiter) {
  std::vector<int64_t> bounds{0};
  const size_t n = text.size();
  if (granularity == Granularity::kDelimiter) {
    if (delimiter.empty()) throw Error("--delimiter must not be empty");
    for (size_t at = text.find(delimiter); at != std::u32string::npos; at = text.find(delimiter, at + 1)) {
      const size_t after = at + delimiter.size();
      if (after < n && static_cast<int64_t>(after) > bounds.back()) bounds.push_back(static_cast<int64_t>(after));
    }
    return bounds;
  }
  // Word-like units begin where a run of whitespace begins (a unit is its leading whitespace
  // plus what follows, as SentencePiece attaches "▁" to the next word).
  for (size_t i = 1; i < n; ++i) {
    if (!is_space(text[i]) || is_space(text[i - 1])) continue;
    bool split = false;
    switch (granularity) {
      case Granularity::kWord: split = true; break;
      case Granularity::kSentence: split = ends_sentence(text, i) || newlines_in_run(text, i) >= 2; break;
      case Granularity::kParagraph: split = newlines_in_run(text, i) >= 2; break;
      default: break;
    }
    if (split) bounds.push_back(static_cast<int64_t>(i));
  }
  return bounds;
}

namespace {

// The prompt's units: of the whole text, or of each message content of a chat prompt, whose
// tokens are those starting inside it (scaffolding tokens around it never are).
void append_prompt_units(const ExplainInput& input, const UnitOptions& options, std::vector<Unit>& units) {
  const std::u32string prompt = utf8_to_u32(input.prompt);
  if (input.messages.empty()) {
    if (options.granularity == Granularity::kMessage) throw Error("--granularity message needs a chat prompt (--chat)");
    SourceTokens src{"prompt", prompt, 0, {}, -1};
    for (int64_t p = 0; p < input.prompt_length(); ++p) {
      const Token& t = input.prompt_tokens[static_cast<size_t>(p)];
      const bool is_bos = p == 0 && t.length == 0 && t.byte_length == 0;
      if (!is_bos) src.tokens.emplace_back(p, &t);
    }
    append_units(src, options, units);
    return;
  }
  for (const MessageSpan& span : input.messages) {
    SourceTokens src{"prompt", prompt.substr(static_cast<size_t>(span.start), static_cast<size_t>(span.length)),
                     span.start, {}, span.message};
    for (int64_t p = 0; p < input.prompt_length(); ++p) {
      const Token& t = input.prompt_tokens[static_cast<size_t>(p)];
      if (t.length > 0 && t.start >= span.start && t.start < span.start + span.length) src.tokens.emplace_back(p, &t);
    }
    append_units(src, options, units);
  }
}

}  // namespace

std::vector<Unit> build_units(const ExplainInput& input, const UnitOptions& options) {
  if (options.granularity == Granularity::kAuto) {
    UnitOptions chosen = options;
    for (Granularity g : {Granularity::kParagraph, Granularity::kSentence, Granularity::kWord}) {
      chosen.granularity = g;
      auto units = build_units(input, chosen);
      if (units.size() >= kAutoMinUnits) return units;
    }
    chosen.granularity = Granularity::kToken;
    return build_units(input, chosen);
  }
  if (options.granularity == Granularity::kDelimiter && options.delimiter.empty()) {
    throw Error("--delimiter must not be empty");
  }
  std::vector<Unit> units;
  append_prompt_units(input, options, units);
  if (options.explain_target && input.target_length() > 1) {
    // target[:-1] is read by the model; its units end where the last target token starts.
    const Token& last = input.target_tokens.back();
    SourceTokens target{"target", utf8_to_u32(input.target).substr(0, static_cast<size_t>(last.start)), 0, {}, -1};
    for (int64_t i = 0; i + 1 < input.target_length(); ++i) {
      target.tokens.emplace_back(input.prompt_length() + i, &input.target_tokens[static_cast<size_t>(i)]);
    }
    append_units(target, options, units);
  }
  if (units.empty()) throw Error("the prompt yields no units to explain");
  return units;
}

}  // namespace atman
