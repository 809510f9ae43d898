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
  ordered_json units = ordered_json::array();
  for (const Unit& u : e.units) {
    units.push_back({{"index", u.index},
                     {"token_indices", u.token_indices},
                     {"source", u.source},
                     {"start", u.start},
                     {"length", u.length},
                     {"text", u.text}});
    if (u.message >= 0) units.back()["message"] = u.message;
  }
  j["units"] = std::move(units);
  ordered_json relevance = ordered_json::array();
  for (const auto& row : e.relevance) relevance.push_back(numbers(row));
  j["relevance"] = std::move(relevance);
  j["total"] = numbers(e.total);
  j["baseline_logprobs"] = numbers(e.baseline_logprobs);
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
