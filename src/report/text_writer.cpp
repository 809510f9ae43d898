#include <algorithm>
#include <cmath>
#include <iomanip>
#include <sstream>

#include "atman/error.hpp"
#include "atman/report.hpp"
#include "atman/text_format.hpp"

namespace atman {
namespace {

// Backgrounds from the xterm 256-colour cube, faint to strong: red supports the target
// (suppressing the unit lowers its probability), blue works against it.
constexpr int kRed[] = {224, 217, 210, 203, 196};
constexpr int kBlue[] = {189, 153, 111, 69, 27};

double peak_magnitude(const std::vector<double>& values) {
  double peak = 0.0;
  for (double v : values) peak = std::max(peak, std::abs(v));
  return peak;
}

std::string shade(const std::string& text, double value, double peak) {
  if (peak <= 0.0 || value == 0.0) return text;
  const int level = std::min(4, static_cast<int>(std::abs(value) / peak * 5.0));
  const int color = value > 0 ? kRed[level] : kBlue[level];
  return "\x1b[48;5;" + std::to_string(color) + "m\x1b[38;5;16m" + text + "\x1b[0m";
}

double target_logprob(const Explanation& e) {
  double sum = 0.0;
  for (double v : e.baseline_logprobs) sum += v;
  return sum;
}

// With `per_target_token`, one column per target token ("t0 <piece>") before the text.
void write_table(const Explanation& e, std::ostream& out, size_t rows, bool per_target_token) {
  const bool documents = !e.input.documents.empty();
  out << "rank\tunit\tsource\t" << (documents ? "document\t" : "") << "start\tlength\ttotal";
  if (per_target_token) {
    for (size_t t = 0; t < e.relevance.size(); ++t) {
      out << "\tt" << t << ' ' << escape_control_characters(e.input.target_tokens[t].piece);
    }
  }
  out << "\ttext\n";
  const auto order = e.ranking();
  for (size_t r = 0; r < std::min(rows, order.size()); ++r) {
    const Unit& u = e.units[static_cast<size_t>(order[r])];
    out << r + 1 << '\t' << u.index << '\t' << u.source << '\t';
    if (documents) out << (u.document >= 0 ? std::to_string(u.document) : std::string("-")) << '\t';
    out << u.start << '\t' << u.length
        << '\t' << format_fixed(e.total[static_cast<size_t>(u.index)], 6);
    if (per_target_token) {
      for (const auto& row : e.relevance) out << '\t' << format_fixed(row[static_cast<size_t>(u.index)], 6);
    }
    out << "\t\"" << escape_control_characters(u.text) << "\"\n";
  }
}

// "refined the 5 most relevant of 10 paragraph units into 123 sentence units: 133 passes instead
// of 460 (327 saved)"
std::string refinement_summary(const Explanation& e) {
  const Refinement& r = *e.refinement;
  int64_t fine = 0;
  for (const Unit& u : e.units) fine += u.refined;
  std::ostringstream s;
  s << "refined the " << r.refined.size() << " most relevant of " << r.units.size() << ' ' << granularity_name(r.coarse)
    << " units into " << fine << ' ' << granularity_name(r.fine) << " units: " << r.passes << " passes instead of "
    << r.full_fine_passes << " for " << granularity_name(r.fine) << " units everywhere ("
    << r.full_fine_passes - r.passes << " saved)";
  return s.str();
}

}  // namespace

ReportFormat parse_report_format(const std::string& name) {
  if (name == "text") return ReportFormat::kText;
  if (name == "json") return ReportFormat::kJson;
  if (name == "html") return ReportFormat::kHtml;
  throw Error("unknown format '" + name + "' (expected text, json, html)");
}

void write_text(const Explanation& e, std::ostream& out, bool ansi_colors, int top_k, bool per_target_token) {
  const ExplainInput& in = e.input;
  if (!ansi_colors) {
    out << "# method " << e.method << ", " << e.units.size() << " units, target log p "
        << format_fixed(target_logprob(e), 4) << " over " << in.target_length() << " tokens"
        << (in.target_generated ? " (generated: \"" + escape_control_characters(in.target) + "\")" : "");
    if (e.contrast) out << ", contrasted with \"" << escape_control_characters(e.contrast->foil.target) << "\"";
    out << "\n";
    if (e.refinement) out << "# " << refinement_summary(e) << "\n";
    write_table(e, out, e.units.size(), per_target_token);
    return;
  }
  const double peak = peak_magnitude(e.total);
  out << "Prompt (red: supports the target, blue: works against it):\n";
  for (const Unit& u : e.units) {
    if (u.source == "prompt") out << shade(escape_control_characters(u.text, true), e.total[static_cast<size_t>(u.index)], peak);
  }
  // Target units (with --explain-target) are shaded; the last target token is never a unit.
  out << "\nTarget: \"";
  size_t plain_from = 0;
  for (const Unit& u : e.units) {
    if (u.source != "target") continue;
    out << shade(escape_control_characters(u.text, true), e.total[static_cast<size_t>(u.index)], peak);
    plain_from = static_cast<size_t>(in.target_tokens.back().byte_start);
  }
  out << escape_control_characters(in.target.substr(plain_from), true) << "\"";
  out << "\n(log p of the target: " << format_fixed(target_logprob(e), 4) << " over "
      << in.target_length() << " tokens" << (in.target_generated ? ", the model's own continuation" : "")
      << "; method " << e.method << ")\n";
  if (e.contrast) {
    out << "Contrasted with: \"" << escape_control_characters(e.contrast->foil.target, true)
        << "\" (totals: effect on log p(target) - log p(foil))\n";
  }
  if (e.refinement) out << "Coarse to fine: " << refinement_summary(e) << "\n";
  out << "\nTop units:\n";
  write_table(e, out, static_cast<size_t>(std::max(top_k, 1)), per_target_token);
}

void write_report(const Explanation& e, ReportFormat format, std::ostream& out, bool ansi_colors,
                  bool per_target_token) {
  switch (format) {
    case ReportFormat::kText: write_text(e, out, ansi_colors, 10, per_target_token); break;
    case ReportFormat::kJson:
      out << explanation_to_json(e).dump(-1, ' ', false, nlohmann::ordered_json::error_handler_t::replace)
          << "\n";
      break;
    case ReportFormat::kHtml: write_html(e, out, per_target_token); break;
  }
}

}  // namespace atman
