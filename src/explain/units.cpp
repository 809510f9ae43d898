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
  int64_t document = -1;
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
  } else if (options.granularity == Granularity::kMessage || options.granularity == Granularity::kDocument) {
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
    u.document = src.document;
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
  if (name == "document") return Granularity::kDocument;
  if (name == "auto") return Granularity::kAuto;
  throw Error("unknown granularity '" + name + "' (expected token, word, sentence, paragraph, message, document, auto)");
}

std::string granularity_name(Granularity g) {
  switch (g) {
    case Granularity::kToken: return "token";
    case Granularity::kWord: return "word";
    case Granularity::kSentence: return "sentence";
    case Granularity::kParagraph: return "paragraph";
    case Granularity::kDelimiter: return "delimiter";
    case Granularity::kMessage: return "message";
    case Granularity::kDocument: return "document";
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

// A stretch of the prompt whose units are made apart from the rest: the whole prompt, a message
// content, a document or the question. Characters into the prompt.
struct Region {
  int64_t start = 0, length = 0;
  int64_t message = -1, document = -1;
};

// The regions of the prompt: with documents, each document and the question (the question
// alone is no document unit); in a chat, each message content, the one holding the documents
// split into them.
std::vector<Region> prompt_regions(const ExplainInput& input, Granularity granularity) {
  const int64_t prompt_chars = count_code_points(input.prompt);
  if (granularity == Granularity::kDocument && input.documents.empty()) {
    throw Error("--granularity document needs documents (--document FILE, or a record's \"documents\")");
  }
  if (granularity == Granularity::kMessage && input.messages.empty()) {
    throw Error("--granularity message needs a chat prompt (--chat)");
  }
  std::vector<Region> document_regions;
  for (const DocumentSpan& d : input.documents) document_regions.push_back({d.start, d.length, -1, d.document});
  if (!input.documents.empty() && granularity != Granularity::kDocument && input.question.length > 0) {
    document_regions.push_back({input.question.start, input.question.length, -1, -1});
  }
  std::vector<Region> regions;
  if (input.messages.empty()) return input.documents.empty() ? std::vector<Region>{{0, prompt_chars, -1, -1}} : document_regions;
  for (const MessageSpan& span : input.messages) {
    const bool holds_documents = !input.documents.empty() && span.start <= input.documents.front().start &&
                                 input.documents.front().start < span.start + span.length;
    if (holds_documents) {
      for (Region r : document_regions) {
        r.message = span.message;
        regions.push_back(r);
      }
    } else if (granularity != Granularity::kDocument) {
      regions.push_back({span.start, span.length, span.message, -1});
    }
  }
  return regions;
}

// The prompt's units, region by region. A token belongs to the region its first character lies
// in; in a plain prompt a zero-length piece (a byte continuation) follows the token before it,
// BOS belongs to none. In a chat only tokens starting inside a content count (scaffolding never).
void append_prompt_units(const ExplainInput& input, const UnitOptions& options, std::vector<Unit>& units) {
  const std::u32string prompt = utf8_to_u32(input.prompt);
  const std::vector<Region> regions = prompt_regions(input, options.granularity);
  const bool chat = !input.messages.empty();
  std::vector<SourceTokens> sources;
  for (const Region& r : regions) {
    sources.push_back({"prompt", prompt.substr(static_cast<size_t>(r.start), static_cast<size_t>(r.length)), r.start,
                       {}, r.message, r.document});
  }
  auto region_of = [&](int64_t start) -> int64_t {
    for (size_t k = 0; k < regions.size(); ++k) {
      if (start >= regions[k].start && start < regions[k].start + regions[k].length) return static_cast<int64_t>(k);
    }
    return -1;
  };
  // The region of the last token with text; a plain prompt's leading pieces go to its first.
  int64_t previous = chat || !input.documents.empty() ? -1 : 0;
  for (int64_t p = 0; p < input.prompt_length(); ++p) {
    const Token& t = input.prompt_tokens[static_cast<size_t>(p)];
    int64_t k = -1;
    if (t.length > 0) {
      k = previous = region_of(t.start);
    } else if (!chat && !(p == 0 && t.byte_length == 0)) {
      k = previous;
    }
    if (k >= 0) sources[static_cast<size_t>(k)].tokens.emplace_back(p, &t);
  }
  for (const SourceTokens& src : sources) append_units(src, options, units);
}

}  // namespace

Granularity resolve_granularity(const ExplainInput& input, const UnitOptions& options) {
  if (options.granularity != Granularity::kAuto) return options.granularity;
  UnitOptions chosen = options;
  for (Granularity g : {Granularity::kParagraph, Granularity::kSentence, Granularity::kWord}) {
    chosen.granularity = g;
    if (build_units(input, chosen).size() >= kAutoMinUnits) return g;
  }
  return Granularity::kToken;
}

namespace {

// Coarseness, for checking that a refinement goes finer.
int coarseness(Granularity g) {
  switch (g) {
    case Granularity::kToken: return 0;
    case Granularity::kWord: return 1;
    case Granularity::kSentence: return 2;
    case Granularity::kParagraph: case Granularity::kDelimiter: return 3;
    case Granularity::kMessage: case Granularity::kDocument: return 4;
    case Granularity::kAuto: break;
  }
  return 5;
}

}  // namespace

Granularity finer_granularity(Granularity coarse) {
  switch (coarse) {
    case Granularity::kToken: throw Error("--refine: token units are the finest; explain at a coarser granularity");
    case Granularity::kWord: return Granularity::kToken;
    case Granularity::kSentence: return Granularity::kWord;
    default: return Granularity::kSentence;
  }
}

void require_finer(Granularity fine, Granularity coarse) {
  const bool plain = fine == Granularity::kToken || fine == Granularity::kWord || fine == Granularity::kSentence ||
                     fine == Granularity::kParagraph;
  if (!plain) throw Error("--refine: refine into token, word, sentence or paragraph units, not " + granularity_name(fine));
  if (coarseness(fine) >= coarseness(coarse)) {
    throw Error("--refine: " + granularity_name(fine) + " units are not finer than " + granularity_name(coarse) + " units");
  }
}

std::vector<Unit> split_unit(const ExplainInput& input, const Unit& unit, Granularity granularity) {
  const std::u32string text = utf8_to_u32(unit.source == "prompt" ? input.prompt : input.target);
  SourceTokens src{unit.source, text.substr(static_cast<size_t>(unit.start), static_cast<size_t>(unit.length)),
                   unit.start, {}, unit.message, unit.document};
  for (int64_t p : unit.token_indices) src.tokens.emplace_back(p, &input.input_token(p));
  UnitOptions options;
  options.granularity = granularity;
  std::vector<Unit> parts;
  append_units(src, options, parts);
  return parts;
}

std::vector<Unit> build_units(const ExplainInput& input, const UnitOptions& options) {
  if (options.granularity == Granularity::kAuto) {
    UnitOptions chosen = options;
    chosen.granularity = resolve_granularity(input, options);
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
