#include "atman/explain.hpp"

#include <cmath>

#include "atman/error.hpp"

namespace atman {
namespace {

// NaN or infinite log-probabilities or relevance come from broken weights (a corrupted payload,
// an overflow in a low-precision dtype); reporting them as results would pass silently.
void require_finite(const Explanation& e) {
  auto finite = [](const std::vector<double>& values) {
    for (double v : values) {
      if (!std::isfinite(v)) return false;
    }
    return true;
  };
  bool ok = finite(e.baseline_logprobs) && finite(e.total);
  for (const auto& row : e.relevance) ok = ok && finite(row);
  if (!ok) {
    throw Error("model '" + e.model_path + "' computed non-finite values (NaN or infinity) for this input: " +
                "its weights are probably corrupted, or the dtype overflows");
  }
}

Explanation dispatch(const Model& model, const ExplainInput& input, const ExplainOptions& options,
                     const MethodOptions& method) {
  if (options.refine && method.method != Method::kAtman) {
    throw Error("--refine needs --method atman: " + method_name(method.method) +
                " scores every token at once, so ask for the fine granularity directly");
  }
  switch (method.method) {
    case Method::kAtman: return explain_atman(model, input, options, method.atman);
    case Method::kIntegratedGradients: return explain_integrated_gradients(model, input, options, method.gradient);
    case Method::kInputXGradient: return explain_input_x_gradient(model, input, options);
    case Method::kAttAttr: return explain_attattr(model, input, options, method.gradient);
  }
  throw Error("unknown method");
}

}  // namespace

Method parse_method(const std::string& name) {
  if (name == "atman") return Method::kAtman;
  if (name == "ig") return Method::kIntegratedGradients;
  if (name == "ixg") return Method::kInputXGradient;
  if (name == "attattr") return Method::kAttAttr;
  throw Error("unknown method '" + name + "' (expected atman, ig, ixg, attattr)");
}

std::string method_name(Method method) {
  switch (method) {
    case Method::kAtman: return "atman";
    case Method::kIntegratedGradients: return "ig";
    case Method::kInputXGradient: return "ixg";
    case Method::kAttAttr: return "attattr";
  }
  return "atman";
}

Explanation explain(const Model& model, const ExplainInput& input, const ExplainOptions& options,
                    const MethodOptions& method) {
  Explanation e = dispatch(model, input, options, method);
  require_finite(e);
  return e;
}

Explanation explain_contrast(const Model& model, const ExplainInput& input, const ExplainInput& foil,
                             const ExplainOptions& options, const MethodOptions& method) {
  require_contrastable(input, foil, options.units.explain_target);
  Explanation e;
  if (method.method == Method::kAtman) {
    // Target and foil share the prompt: their rows run in the same passes.
    e = explain_atman_contrast(model, input, foil, options, method.atman);
    require_finite(e);
  } else {
    e = explain(model, input, options, method);
    const Explanation f = explain(model, foil, options, method);
    e.contrast = Contrast{foil, f.relevance, f.baseline_logprobs};
  }
  e.params["contrast"] = foil.target;
  compute_totals(e, options);
  return e;
}

}  // namespace atman
