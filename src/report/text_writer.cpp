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

void write_table(const Explanation& e, std::ostream& out, size_t rows) {
  out << "rank\tunit\tsource\tstart\tlength\ttotal\ttext\n";
  const auto order = e.ranking();
  for (size_t r = 0; r < std::min(rows, order.size()); ++r) {
    const Unit& u = e.units[static_cast<size_t>(order[r])];
    out << r + 1 << '\t' << u.index << '\t' << u.source << '\t' << u.start << '\t' << u.length
        << '\t' << format_fixed(e.total[static_cast<size_t>(u.index)], 6) << "\t\"" << escape_control_characters(u.text) << "\"\n";
  }
}

}  // namespace

ReportFormat parse_report_format(const std::string& name) {
  if (name == "text") return ReportFormat::kText;
  if (name == "json") return ReportFormat::kJson;
  if (name == "html") return ReportFormat::kHtml;
  throw Error("unknown format '" + name + "' (expected text, json, html)");
}

void write_text(const Explanation& e, std::ostream& out, bool ansi_colors, int top_k) {
  const ExplainInput& in = e.input;
  if (!ansi_colors) {
    out << "# method " << e.method << ", " << e.units.size() << " units, target log p "
        << format_fixed(target_logprob(e), 4) << " over " << in.target_length() << " tokens\n";
    write_table(e, out, e.units.size());
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
      << in.target_length() << " tokens; method " << e.method << ")\n\nTop units:\n";
  write_table(e, out, static_cast<size_t>(std::max(top_k, 1)));
}

void write_report(const Explanation& e, ReportFormat format, std::ostream& out, bool ansi_colors) {
  switch (format) {
    case ReportFormat::kText: write_text(e, out, ansi_colors); break;
    case ReportFormat::kJson:
      out << explanation_to_json(e).dump(-1, ' ', false, nlohmann::ordered_json::error_handler_t::replace)
          << "\n";
      break;
    case ReportFormat::kHtml: write_html(e, out); break;
  }
}

}  // namespace atman
