#include "atman/explain_settings.hpp"

#include <sstream>

#include "atman/documents.hpp"
#include "atman/error.hpp"

namespace atman {
namespace {

template <typename T>
T field(const nlohmann::json& record, const char* name, const char* expected) {
  const auto& value = record.at(name);
  bool ok = false;
  if constexpr (std::is_same_v<T, std::string>) ok = value.is_string();
  if constexpr (std::is_same_v<T, double>) ok = value.is_number();
  if constexpr (std::is_same_v<T, int64_t>) ok = value.is_number_integer();
  if constexpr (std::is_same_v<T, bool>) ok = value.is_boolean();
  if (!ok) throw Error("field '" + std::string(name) + "' must be " + expected + ", got " + value.dump());
  return value.get<T>();
}

}  // namespace

void ExplainSettings::apply_overrides(const nlohmann::json& record) {
  if (record.contains("method")) method = field<std::string>(record, "method", "a string");
  if (record.contains("granularity")) granularity = field<std::string>(record, "granularity", "a string");
  if (record.contains("delimiter")) delimiter = field<std::string>(record, "delimiter", "a string");
  if (record.contains("factor")) factor = field<double>(record, "factor", "a number");
  if (record.contains("suppression")) suppression = field<std::string>(record, "suppression", "a string");
  if (record.contains("steps")) steps = field<int64_t>(record, "steps", "an integer");
  if (record.contains("split_special")) split_special = field<bool>(record, "split_special", "a boolean");
  if (record.contains("refine")) refine = field<std::string>(record, "refine", "a string such as \"5:word\"");
  if (record.contains("document_template")) {
    document_template = field<std::string>(record, "document_template", "a string");
  }
  if (record.contains("conceptual_threshold")) {
    const auto& value = record["conceptual_threshold"];
    if (value.is_null()) {
      conceptual_threshold = "off";
    } else if (value.is_number()) {
      std::ostringstream text;
      text << value.get<double>();
      conceptual_threshold = text.str();
    } else {
      conceptual_threshold = field<std::string>(record, "conceptual_threshold", "a number or \"off\"");
    }
  }
}

std::optional<double> parse_conceptual_threshold(const std::string& text) {
  if (text == "off" || text == "none") return std::nullopt;
  try {
    size_t used = 0;
    const double v = std::stod(text, &used);
    if (used == text.size()) return v;
  } catch (const std::exception&) {
  }
  throw Error("--conceptual-threshold must be a number in [0, 1] or 'off', got '" + text + "'");
}

ResolvedSettings resolve_settings(const ExplainSettings& s, std::optional<int64_t> num_layers) {
  ResolvedSettings r;
  r.explain.units.granularity = s.delimiter.empty() ? parse_granularity(s.granularity) : Granularity::kDelimiter;
  r.explain.units.delimiter = s.delimiter;
  r.explain.units.explain_target = s.explain_target;
  if (!s.refine.empty()) r.explain.refine = parse_refine(s.refine);
  r.explain.postprocess = parse_postprocess(s.postprocess);
  r.explain.normalize = s.normalize;
  check_document_template(s.document_template);  // also where no record has documents: never ignored

  r.method.method = parse_method(s.method);
  r.method.gradient.steps = s.steps;
  r.method.gradient.batch_size = s.batch_size;
  r.method.gradient.validate();
  AtmanOptions& atman = r.method.atman;
  atman.suppression.factor = s.factor;
  atman.suppression.mode = parse_suppression_mode(s.suppression);
  atman.suppression.conceptual_threshold = parse_conceptual_threshold(s.conceptual_threshold);
  atman.suppression.modify_factor = s.modify_factor;
  atman.suppression.validate();
  atman.batch_size = s.batch_size;
  atman.max_memory_bytes = s.max_memory_bytes;
  atman.naive = s.naive;
  if (num_layers && s.layers != "all") atman.layers = parse_layer_list(s.layers, *num_layers);
  return r;
}

}  // namespace atman
