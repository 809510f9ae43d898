#pragma once
// Agreement of an explanation with hand-marked evidence: records may carry "gold", character
// spans of the prompt that the target depends on. A unit is gold when its span overlaps one.
#include <cstdint>
#include <vector>

#include <nlohmann/json.hpp>

#include "atman/units.hpp"

namespace atman {

struct CharSpan {
  int64_t start = 0;  // characters (code points) into the prompt
  int64_t end = 0;    // exclusive
};

// [[start, end], ...] or [{"start": s, "length": n}, ...]; throws atman::Error naming "gold".
std::vector<CharSpan> parse_gold_spans(const nlohmann::json& gold, int64_t prompt_length);

// One flag per unit: a prompt unit whose span overlaps a gold span.
std::vector<bool> gold_units(const std::vector<Unit>& units, const std::vector<CharSpan>& gold);

// A record with documents names its gold documents instead: an index or a list of indices into
// its `documents_given`. Throws atman::Error naming "gold".
std::vector<int64_t> parse_gold_documents(const nlohmann::json& gold, int64_t documents_given);
// One flag per unit: a unit inside a gold document.
std::vector<bool> gold_document_units(const std::vector<Unit>& units, const std::vector<int64_t>& gold);

struct GoldScores {
  // Units ranked by decreasing total (ties by index), G = number of gold units:
  double average_precision = 0;  // mean over gold units of the precision at their rank
  double recall_at_gold = 0;     // share of gold units among the top G
  double pointing_game = 0;      // 1 when the top unit is gold, else 0
};

// Throws when no unit is gold (nothing to score against).
GoldScores gold_scores(const std::vector<double>& totals, const std::vector<bool>& is_gold);

}  // namespace atman
