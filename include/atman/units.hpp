#pragma once
// The parts of the input an explanation scores: single tokens, or groups of tokens (words,
// sentences, paragraphs, pieces between a custom delimiter). A unit is suppressed as a whole.
#include <cstdint>
#include <string>
#include <vector>

#include "atman/explain_input.hpp"

namespace atman {

// kMessage: each message content of a chat prompt is one unit. kDocument: each document of the
// context is one unit (the question after them is none). kAuto: the coarsest of paragraph,
// sentence and word giving at least kAutoMinUnits units, else token (as Aleph Alpha's API chooses).
enum class Granularity { kToken, kWord, kSentence, kParagraph, kDelimiter, kMessage, kDocument, kAuto };
inline constexpr size_t kAutoMinUnits = 30;

// "token" | "word" | "sentence" | "paragraph" | "delimiter" | "message" | "document" | "auto";
// throws for anything else.
Granularity parse_granularity(const std::string& name);
std::string granularity_name(Granularity g);

struct Unit {
  int64_t index = 0;
  std::vector<int64_t> token_indices;  // input positions (into prompt + target[:-1])
  std::string source = "prompt";       // the text the span refers to: "prompt" or "target"
  int64_t start = 0;                   // characters into `source`
  int64_t length = 0;
  std::string text;                    // the span's text
  int64_t message = -1;                // chat prompts: the message the unit lies in; -1 otherwise
  int64_t document = -1;               // with documents: the one the unit lies in; -1 for the question
  // Coarse-to-fine explanations (--refine): the coarse unit this one is, or lies inside when
  // `refined`; -1 otherwise.
  int64_t coarse_unit = -1;
  bool refined = false;
};

struct UnitOptions {
  Granularity granularity = Granularity::kToken;
  std::string delimiter;        // for kDelimiter: split after each occurrence; non-empty
  bool explain_target = false;  // also make units of target[:-1] (explained by earlier tokens)
};

// Units of the prompt (and, with explain_target, of target[:-1]). Within each text, the spans
// of the units tile it: every character belongs to exactly one unit. BOS is never a unit. In a
// chat prompt (input.messages) units tile each message's content and nothing else; with
// documents (input.documents) they tile each document and the question, never crossing from one
// to another.
std::vector<Unit> build_units(const ExplainInput& input, const UnitOptions& options);

// The granularity build_units uses: kAuto resolved to the one it picks for `input`.
Granularity resolve_granularity(const ExplainInput& input, const UnitOptions& options);

// The granularity one step finer than `coarse` (document, message, paragraph, delimiter ->
// sentence -> word -> token); throws for token.
Granularity finer_granularity(Granularity coarse);
// Throws unless `fine` is token, word, sentence or paragraph and finer than `coarse`.
void require_finer(Granularity fine, Granularity coarse);

// `unit` cut into units of the finer `granularity`, which tile its span (indices from 0).
std::vector<Unit> split_unit(const ExplainInput& input, const Unit& unit, Granularity granularity);

// Character offsets [0, n) of `text` where a new unit begins, for a text-level granularity.
std::vector<int64_t> unit_boundaries(const std::u32string& text, Granularity granularity,
                                     const std::u32string& delimiter);

}  // namespace atman
