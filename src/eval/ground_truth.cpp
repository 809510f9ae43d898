#include "atman/ground_truth.hpp"

#include <algorithm>

#include "atman/error.hpp"
#include "atman/rank_metrics.hpp"

namespace atman {

std::vector<CharSpan> parse_gold_spans(const nlohmann::json& gold, int64_t prompt_length) {
  if (!gold.is_array()) throw Error("field 'gold' must be an array of [start, end] character spans");
  std::vector<CharSpan> spans;
  for (const auto& g : gold) {
    CharSpan s;
    if (g.is_array() && g.size() == 2 && g[0].is_number_integer() && g[1].is_number_integer()) {
      s = {g[0].get<int64_t>(), g[1].get<int64_t>()};
    } else if (g.is_object() && g.contains("start") && g.contains("length") && g["start"].is_number_integer() &&
               g["length"].is_number_integer()) {
      s.start = g["start"].get<int64_t>();
      s.end = s.start + g["length"].get<int64_t>();
    } else {
      throw Error("field 'gold': " + g.dump() + " is not [start, end] or {\"start\", \"length\"}");
    }
    if (s.start < 0 || s.end <= s.start || s.end > prompt_length) {
      throw Error("field 'gold': span [" + std::to_string(s.start) + ", " + std::to_string(s.end) +
                  ") is empty or outside the prompt's " + std::to_string(prompt_length) + " characters");
    }
    spans.push_back(s);
  }
  return spans;
}

std::vector<bool> gold_units(const std::vector<Unit>& units, const std::vector<CharSpan>& gold) {
  std::vector<bool> flags;
  for (const Unit& u : units) {
    bool hit = false;
    for (const CharSpan& g : gold) hit = hit || (u.source == "prompt" && u.start < g.end && g.start < u.start + u.length);
    flags.push_back(hit);
  }
  return flags;
}

std::vector<int64_t> parse_gold_documents(const nlohmann::json& gold, int64_t documents_given) {
  const nlohmann::json list = gold.is_array() ? gold : nlohmann::json::array({gold});
  std::vector<int64_t> out;
  for (const auto& g : list) {
    if (!g.is_number_integer() || g.get<int64_t>() < 0 || g.get<int64_t>() >= documents_given) {
      throw Error("field 'gold': " + g.dump() + " is not a document index in [0, " + std::to_string(documents_given) +
                  ") (with documents, gold names the documents holding the answer)");
    }
    out.push_back(g.get<int64_t>());
  }
  if (out.empty()) throw Error("field 'gold' names no document");
  return out;
}

std::vector<bool> gold_document_units(const std::vector<Unit>& units, const std::vector<int64_t>& gold) {
  std::vector<bool> flags;
  for (const Unit& u : units) flags.push_back(u.document >= 0 && std::find(gold.begin(), gold.end(), u.document) != gold.end());
  return flags;
}

GoldScores gold_scores(const std::vector<double>& totals, const std::vector<bool>& is_gold) {
  if (totals.size() != is_gold.size()) throw Error("gold scores: one flag per unit is needed");
  int64_t gold = 0;
  for (bool g : is_gold) gold += g;
  if (gold == 0) throw Error("no unit overlaps a gold span");
  const auto order = rank_order(totals);
  GoldScores s;
  int64_t found = 0;
  double precision_sum = 0;
  for (size_t rank = 0; rank < order.size(); ++rank) {
    if (!is_gold[static_cast<size_t>(order[rank])]) continue;
    ++found;
    precision_sum += static_cast<double>(found) / static_cast<double>(rank + 1);
    if (static_cast<int64_t>(rank) < gold) s.recall_at_gold += 1.0;
  }
  s.average_precision = precision_sum / static_cast<double>(gold);
  s.recall_at_gold /= static_cast<double>(gold);
  s.pointing_game = is_gold[static_cast<size_t>(order[0])] ? 1.0 : 0.0;
  return s;
}

}  // namespace atman
