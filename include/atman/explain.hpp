#pragma once
// One entry point for every explanation method, used by the CLI commands.
#include <string>

#include "atman/atman_explainer.hpp"
#include "atman/gradient_explainers.hpp"

namespace atman {

enum class Method { kAtman, kIntegratedGradients, kInputXGradient, kAttAttr };
Method parse_method(const std::string& name);  // "atman" | "ig" | "ixg" | "attattr"
std::string method_name(Method method);

struct MethodOptions {
  Method method = Method::kAtman;
  AtmanOptions atman;        // for atman
  GradientOptions gradient;  // for ig and attattr (ixg has no parameters)
};

Explanation explain(const Model& model, const ExplainInput& input, const ExplainOptions& options,
                    const MethodOptions& method);

// Why the target rather than the foil: `input` and `foil` share the prompt (so the units);
// totals are Σ relevance of the target's tokens − Σ of the foil's.
Explanation explain_contrast(const Model& model, const ExplainInput& input, const ExplainInput& foil,
                             const ExplainOptions& options, const MethodOptions& method);

}  // namespace atman
