#include <cmath>
#include <fstream>
#include <iomanip>
#include <sstream>

#include "atman/error.hpp"
#include "atman/eval_report.hpp"
#include "atman/output_file.hpp"
#include "atman/text_format.hpp"

namespace atman {
namespace {

using nlohmann::ordered_json;

ordered_json number_or_null(double v) { return std::isfinite(v) ? ordered_json(v) : ordered_json(nullptr); }

std::string fixed(double v, int precision) { return std::isfinite(v) ? format_fixed(v, precision) : "–"; }

int precision_of(const std::string& key) {
  return key == "peak_rss_mib" || key == "peak_device_mib" ? 1 : key == "seconds" ? 4 : 3;
}

std::string cell(const MetricSummary& s, const std::string& key) {
  if (s.n == 0) return "–";
  return fixed(s.mean, precision_of(key)) + " ± " + fixed(s.ci95, precision_of(key));
}

// Mean curve of a method over its records.
std::vector<double> mean_curve(const MethodEvaluation& m, bool insertion) {
  std::vector<double> mean;
  for (const auto& r : m.records) {
    const auto& c = insertion ? r.curves.insertion : r.curves.deletion;
    if (mean.empty()) mean.assign(c.size(), 0.0);
    for (size_t i = 0; i < c.size() && i < mean.size(); ++i) mean[i] += c[i] / static_cast<double>(m.records.size());
  }
  return mean;
}

// One line chart: the mean curve of every method, mean log p(target) over fraction of units.
std::string svg_chart(const EvalReport& report, bool insertion) {
  static const char* colors[] = {"#d62728", "#1f77b4", "#2ca02c", "#9467bd", "#ff7f0e", "#8c564b"};
  const double W = 420, H = 260, left = 55, right = 110, top = 25, bottom = 40;
  double lo = INFINITY, hi = -INFINITY;
  std::vector<std::vector<double>> curves;
  for (const auto& m : report.methods) {
    curves.push_back(mean_curve(m, insertion));
    for (double v : curves.back()) {
      lo = std::min(lo, v);
      hi = std::max(hi, v);
    }
  }
  if (!std::isfinite(lo)) return "<p>no curves</p>";
  if (hi - lo < 1e-9) hi = lo + 1;
  const double pw = W - left - right, ph = H - top - bottom;
  auto x = [&](double f) { return left + f * pw; };
  auto y = [&](double v) { return top + (hi - v) / (hi - lo) * ph; };
  std::ostringstream s;
  s << std::fixed << std::setprecision(1);
  s << "<svg xmlns=\"http://www.w3.org/2000/svg\" width=\"" << W << "\" height=\"" << H << "\" role=\"img\">"
    << "<text x=\"" << left << "\" y=\"16\" font-weight=\"bold\">" << (insertion ? "Insertion" : "Deletion")
    << " curve (" << (insertion ? "keep" : "remove") << " top units)</text>"
    << "<rect x=\"" << left << "\" y=\"" << top << "\" width=\"" << pw << "\" height=\"" << ph
    << "\" fill=\"none\" stroke=\"#999\"/>";
  for (int i = 0; i <= 4; ++i) {
    const double v = lo + (hi - lo) * i / 4.0, f = i / 4.0;
    s << "<text x=\"" << left - 4 << "\" y=\"" << y(v) + 4 << "\" font-size=\"10\" text-anchor=\"end\">"
      << fixed(v, 2) << "</text>"
      << "<text x=\"" << x(f) << "\" y=\"" << top + ph + 14 << "\" font-size=\"10\" text-anchor=\"middle\">"
      << static_cast<int>(f * 100) << "%</text>";
  }
  s << "<text x=\"" << left + pw / 2 << "\" y=\"" << H - 6 << "\" font-size=\"11\" text-anchor=\"middle\">units "
    << (insertion ? "kept" : "removed") << ", most relevant first</text>"
    << "<text x=\"12\" y=\"" << top + ph / 2 << "\" font-size=\"11\" text-anchor=\"middle\" transform=\"rotate(-90 12 "
    << top + ph / 2 << ")\">mean log p(target)</text>";
  for (size_t m = 0; m < curves.size(); ++m) {
    const char* color = colors[m % 6];
    const size_t n = curves[m].size();
    s << "<polyline fill=\"none\" stroke=\"" << color << "\" stroke-width=\"2\" points=\"";
    for (size_t i = 0; i < n; ++i) {
      s << x(n > 1 ? static_cast<double>(i) / static_cast<double>(n - 1) : 0) << ',' << y(curves[m][i]) << ' ';
    }
    s << "\"/><text x=\"" << left + pw + 8 << "\" y=\"" << top + 14 + 16 * m << "\" fill=\"" << color
      << "\" font-size=\"12\">" << escape_markup(report.methods[m].method) << "</text>";
  }
  s << "</svg>";
  return s.str();
}

}  // namespace

ordered_json eval_summary_json(const EvalReport& report) {
  ordered_json j;
  j["schema"] = "atman.eval/v1";
  j["model"] = {{"path", report.model_path}, {"config_hash", report.model_config_hash}};
  j["input"] = report.input_path;
  j["removal"] = {{"mode", removal_mode_name(report.removal)}, {"description", removal_mode_description(report.removal)}};
  j["params"] = report.params;
  j["peak_rss_per_record"] = report.peak_rss_per_record;
  ordered_json methods = ordered_json::array();
  for (const auto& m : report.methods) {
    ordered_json mj;
    mj["method"] = m.method;
    mj["records"] = m.records.size();
    ordered_json metrics;
    for (const auto& info : eval_metrics()) {
      const MetricSummary s = summarize(metric_values(m, info.key));
      metrics[info.key] = {{"mean", number_or_null(s.mean)}, {"ci95", number_or_null(s.ci95)}, {"n", s.n},
                           {"higher_is_better", info.higher_is_better}};
    }
    mj["metrics"] = std::move(metrics);
    mj["mean_curves"] = {{"fractions", m.records.empty() ? std::vector<double>{} : m.records[0].curves.fractions},
                         {"deletion", mean_curve(m, false)},
                         {"insertion", mean_curve(m, true)}};
    ordered_json per_record = ordered_json::array();
    for (const auto& r : m.records) {
      ordered_json rj;
      rj["id"] = r.id;
      rj["units"] = r.units;
      for (const auto& info : eval_metrics()) {
        MethodEvaluation one{m.method, {r}};
        rj[info.key] = number_or_null(metric_values(one, info.key)[0]);
      }
      rj["deletion"] = r.curves.deletion;
      rj["insertion"] = r.curves.insertion;
      per_record.push_back(std::move(rj));
    }
    mj["per_record"] = std::move(per_record);
    methods.push_back(std::move(mj));
  }
  j["methods"] = std::move(methods);
  ordered_json failed = ordered_json::array();
  for (const auto& f : report.failed) {
    failed.push_back({{"id", f.id}, {"line", f.line}, {"method", f.method}, {"code", f.code}, {"message", f.message}});
  }
  j["failed"] = std::move(failed);
  return j;
}

std::string eval_summary_markdown(const EvalReport& report) {
  std::ostringstream s;
  s << "# atman eval\n\n"
    << "Model `" << report.model_path << "` (" << report.model_config_hash << "), input `" << report.input_path
    << "`. Removal: " << removal_mode_name(report.removal) << " — " << removal_mode_description(report.removal)
    << ". Curves in steps of 10% of the units; values are mean log p(target token). Each cell: mean ± half-width "
    << "of the 95% confidence interval (Student's t) over records.\n\n| method | n |";
  for (const auto& info : eval_metrics()) s << ' ' << info.label << (info.higher_is_better ? " ↑" : " ↓") << " |";
  s << "\n|---|---|";
  for (size_t i = 0; i < eval_metrics().size(); ++i) s << "---|";
  s << '\n';
  for (const auto& m : report.methods) {
    s << "| " << m.method << " | " << m.records.size() << " |";
    for (const auto& info : eval_metrics()) s << ' ' << cell(summarize(metric_values(m, info.key)), info.key) << " |";
    s << '\n';
  }
  s << "\nDeletion/insertion AUC: area under the curve of p/p_full, the per-token probability of the target "
       "relative to the full input's. AOPC over the 10%–90% steps (ERASER). Top-k drop (ContextCite): fall of the mean "
       "log-probability of the target tokens when the k most relevant units are removed (all of them when fewer). "
       "Gold metrics over records with `gold` spans (or gold documents): mean "
       "average precision, recall among the top G units (G = gold units), pointing game (top unit is gold). "
       "Peak RSS is the whole process's, model included"
    << (report.peak_rss_per_record ? ", reset before each explanation" : " (could not be reset between records here: a running maximum)")
    << "; peak device memory is libtorch's on the GPU, weights included (– on the CPU).\n";
  if (!report.failed.empty()) {
    s << "\n## Failed records\n\n| id | line | method | code | message |\n|---|---|---|---|---|\n";
    for (const auto& f : report.failed) {
      s << "| " << f.id.dump() << " | " << f.line << " | " << f.method << " | " << f.code << " | " << f.message << " |\n";
    }
  }
  return s.str();
}

std::string eval_index_html(const EvalReport& report) {
  std::ostringstream s;
  s << "<!DOCTYPE html>\n<html><head><meta charset=\"utf-8\"><title>atman eval</title><style>"
    << "body{font-family:sans-serif;margin:2em;max-width:75em}table{border-collapse:collapse}"
    << "td,th{border:1px solid #ccc;padding:4px 8px;text-align:right}td:first-child{text-align:left}"
    << ".charts{display:flex;flex-wrap:wrap;gap:2em}</style></head><body>\n<h1>atman eval</h1>\n<p>Model <code>"
    << escape_markup(report.model_path) << "</code>, input <code>" << escape_markup(report.input_path)
    << "</code>. Removal: <b>" << removal_mode_name(report.removal) << "</b> — "
    << escape_markup(removal_mode_description(report.removal))
    << ". Cells: mean ± 95% CI half-width; ↑ higher is better, ↓ lower is better.</p>\n<table><tr><th>method</th><th>n</th>";
  for (const auto& info : eval_metrics()) {
    s << "<th>" << escape_markup(info.label) << (info.higher_is_better ? " ↑" : " ↓") << "</th>";
  }
  s << "</tr>\n";
  for (const auto& m : report.methods) {
    s << "<tr><td>" << escape_markup(m.method) << "</td><td>" << m.records.size() << "</td>";
    for (const auto& info : eval_metrics()) s << "<td>" << cell(summarize(metric_values(m, info.key)), info.key) << "</td>";
    s << "</tr>\n";
  }
  s << "</table>\n<div class=\"charts\">" << svg_chart(report, false) << svg_chart(report, true) << "</div>\n";
  if (!report.failed.empty()) {
    s << "<h2>Failed records</h2><ul>";
    for (const auto& f : report.failed) {
      s << "<li>" << escape_markup(f.id.dump()) << " (line " << f.line << (f.method.empty() ? "" : ", " + f.method)
        << "): " << escape_markup(f.code) << " — " << escape_markup(f.message) << "</li>";
    }
    s << "</ul>\n";
  }
  s << "</body></html>\n";
  return s.str();
}

void write_eval_report(const EvalReport& report, const std::filesystem::path& dir) {
  std::error_code ec;
  std::filesystem::create_directories(dir, ec);
  if (ec) throw Error("cannot create report directory '" + dir.string() + "': " + ec.message());
  auto write = [&](const char* name, const std::string& text) {
    OutputFile out((dir / name).string());
    out.stream() << text;
    out.commit();
  };
  write("summary.json", eval_summary_json(report).dump(2) + "\n");
  write("summary.md", eval_summary_markdown(report));
  write("index.html", eval_index_html(report));
}

}  // namespace atman
