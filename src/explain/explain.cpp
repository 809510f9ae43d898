#include "atman/explain.hpp"

#include "atman/error.hpp"

namespace atman {

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
  switch (method.method) {
    case Method::kAtman: return explain_atman(model, input, options, method.atman);
    case Method::kIntegratedGradients: return explain_integrated_gradients(model, input, options, method.gradient);
    case Method::kInputXGradient: return explain_input_x_gradient(model, input, options);
    case Method::kAttAttr: return explain_attattr(model, input, options, method.gradient);
  }
  throw Error("unknown method");
}

}  // namespace atman
