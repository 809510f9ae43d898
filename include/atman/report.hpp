#pragma once
// Writers of an Explanation: they only format it, never compute.
#include <ostream>
#include <string>

#include <nlohmann/json.hpp>

#include "atman/explanation.hpp"

namespace atman {

inline constexpr const char* kExplanationSchema = "atman.explanation/v1";

enum class ReportFormat { kText, kJson, kHtml };
ReportFormat parse_report_format(const std::string& name);  // "text" | "json" | "html"

// The atman.explanation/v1 document (schema in README.md). Keys in a fixed order and numbers
// printed in their shortest exact form, so the same explanation gives the same bytes.
nlohmann::ordered_json explanation_to_json(const Explanation& e);

// Human-readable: with `ansi_colors`, the prompt shaded by relevance and the top units;
// without, a ranked table of every unit (for pipes and files). `per_target_token`
// (--target-granularity token) adds each target token's relevance beside the totals.
void write_text(const Explanation& e, std::ostream& out, bool ansi_colors, int top_k = 10,
                bool per_target_token = false);

// One self-contained HTML page (no network): highlighted prompt, hover values, a view per
// target token and a colour legend; `per_target_token` opens on the first token's view.
void write_html(const Explanation& e, std::ostream& out, bool per_target_token = false);

void write_report(const Explanation& e, ReportFormat format, std::ostream& out, bool ansi_colors,
                  bool per_target_token = false);

}  // namespace atman
