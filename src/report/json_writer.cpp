#include <cmath>
#include <cstdio>
#include <cstdlib>

#include "atman/report.hpp"

namespace atman {
namespace {

using ordered_json = nlohmann::ordered_json;

// Relevance comes from float32 arithmetic: nine significant digits hold all of it, and the
// shortest form keeps files small and diffs readable.
double tidy(double v) {
  if (!std::isfinite(v)) return v;
  char buf[32];
  std::snprintf(buf, sizeof(buf), "%.9g", v);
  return std::strtod(buf, nullptr);
}

ordered_json numbers(const std::vector<double>& values) {
  ordered_json out = ordered_json::array();
  for (double v : values) out.push_back(tidy(v));
  return out;
}

ordered_json token_json(int64_t index, const Token& t, const char* source) {
  ordered_json j;
  j["index"] = index;
  j["id"] = t.id;
  j["piece"] = t.piece;
  j["start"] = t.start;
  j["length"] = t.length;
  if (source != nullptr) j["source"] = source;
  return j;
}

ordered_json units_json(const std::vector<Unit>& units, const ExplainInput& in) {
  ordered_json out = ordered_json::array();
  for (const Unit& u : units) {
    out.push_back({{"index", u.index},
                   {"token_indices", u.token_indices},
                   {"source", u.source},
                   {"start", u.start},
                   {"length", u.length},
                   {"text", u.text}});
    if (u.message >= 0) out.back()["message"] = u.message;
    // With documents every prompt unit names its document; null for the question's.
    if (!in.documents.empty() && u.source == "prompt") {
      out.back()["document"] = u.document >= 0 ? ordered_json(u.document) : ordered_json(nullptr);
    }
    if (u.coarse_unit >= 0) {  // refined explanations: which level the unit's value comes from
      out.back()["level"] = u.refined ? "fine" : "coarse";
      out.back()["coarse_unit"] = u.coarse_unit;
    }
  }
  return out;
}

ordered_json refinement_json(const Refinement& r, const ExplainInput& in) {
  ordered_json relevance = ordered_json::array();
  for (const auto& row : r.relevance) relevance.push_back(numbers(row));
  return {{"top_k", r.top_k},
          {"coarse_granularity", granularity_name(r.coarse)},
          {"fine_granularity", granularity_name(r.fine)},
          {"refined", r.refined},
          {"passes", r.passes},
          {"full_fine_passes", r.full_fine_passes},
          {"passes_saved", r.full_fine_passes - r.passes},
          {"coarse_units", units_json(r.units, in)},
          {"coarse_relevance", std::move(relevance)},
          {"coarse_total", numbers(r.total)}};
}

}  // namespace

ordered_json explanation_to_json(const Explanation& e) {
  const ExplainInput& in = e.input;
  ordered_json j;
  j["schema"] = kExplanationSchema;
  j["model"] = {{"path", e.model_path}, {"config_hash", e.model_config_hash}};
  j["method"] = e.method;
  j["params"] = ordered_json::parse(e.params.dump());
  j["prompt"] = in.prompt;
  j["target"] = in.target;
  if (in.target_generated) j["target_generated"] = true;
  if (!in.messages.empty()) {  // chat: where each message's content sits in the rendered prompt
    ordered_json messages = ordered_json::array();
    for (const MessageSpan& m : in.messages) {
      messages.push_back({{"index", m.message}, {"role", m.role}, {"start", m.start}, {"length", m.length}});
    }
    j["messages"] = std::move(messages);
  }
  if (!in.documents.empty()) {  // where each document, and the question after them, sits in the prompt
    ordered_json documents = ordered_json::array();
    for (const DocumentSpan& d : in.documents) {
      documents.push_back({{"index", d.document}, {"start", d.start}, {"length", d.length}});
    }
    j["documents"] = std::move(documents);
    j["question"] = {{"start", in.question.start}, {"length", in.question.length}};
  }
  ordered_json input_tokens = ordered_json::array();
  for (int64_t i = 0; i < in.input_length(); ++i) {
    input_tokens.push_back(token_json(i, in.input_token(i), i < in.prompt_length() ? "prompt" : "target"));
  }
  j["input_tokens"] = std::move(input_tokens);
  ordered_json target_tokens = ordered_json::array();
  for (int64_t i = 0; i < in.target_length(); ++i) {
    target_tokens.push_back(token_json(i, in.target_tokens[static_cast<size_t>(i)], nullptr));
  }
  j["target_tokens"] = std::move(target_tokens);
  j["units"] = units_json(e.units, in);
  ordered_json relevance = ordered_json::array();
  for (const auto& row : e.relevance) relevance.push_back(numbers(row));
  j["relevance"] = std::move(relevance);
  j["total"] = numbers(e.total);
  j["baseline_logprobs"] = numbers(e.baseline_logprobs);
  if (e.refinement) j["refine"] = refinement_json(*e.refinement, in);
  if (e.contrast) {  // total = Σ relevance − Σ contrast.relevance
    ordered_json foil_tokens = ordered_json::array();
    const auto& foil = e.contrast->foil;
    for (int64_t i = 0; i < foil.target_length(); ++i) {
      foil_tokens.push_back(token_json(i, foil.target_tokens[static_cast<size_t>(i)], nullptr));
    }
    ordered_json foil_relevance = ordered_json::array();
    for (const auto& row : e.contrast->relevance) foil_relevance.push_back(numbers(row));
    j["contrast"] = {{"foil", foil.target},
                     {"foil_tokens", std::move(foil_tokens)},
                     {"relevance", std::move(foil_relevance)},
                     {"baseline_logprobs", numbers(e.contrast->baseline_logprobs)}};
  }
  return j;
}

}  // namespace atman
