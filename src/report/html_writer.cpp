#include <algorithm>
#include <cmath>
#include <cstdio>

#include "atman/report.hpp"
#include "atman/utf8.hpp"
#include "atman/text_format.hpp"

namespace atman {
namespace {

// Red for support, blue for opposition, opacity by magnitude relative to the peak. Matches
// colorFor() in the page's script, which recolours when another view is chosen.
std::string background(double value, double peak) {
  if (peak <= 0.0 || value == 0.0) return "transparent";
  char buf[64];
  std::snprintf(buf, sizeof(buf), value > 0 ? "rgba(220,38,38,%.3f)" : "rgba(37,99,235,%.3f)",
                std::min(1.0, std::abs(value) / peak));
  return buf;
}

std::string format_value(double v) {
  char buf[32];
  std::snprintf(buf, sizeof(buf), "%.6g", v);
  return buf;
}

constexpr const char* kStyle = R"(
body{font-family:system-ui,sans-serif;max-width:60rem;margin:2rem auto;padding:0 1rem;color:#111}
.text{white-space:pre-wrap;font-family:ui-monospace,monospace;line-height:1.9;border:1px solid #ddd;padding:1rem;border-radius:6px}
.unit{border-radius:3px;padding:1px 0}
.unit:hover{outline:2px solid #111}
.target{color:#555}
.legend{display:flex;align-items:center;gap:.5rem;margin:1rem 0}
.bar{width:16rem;height:.9rem;border:1px solid #ccc;background:linear-gradient(90deg,rgba(37,99,235,1),rgba(37,99,235,0) 50%,rgba(220,38,38,0) 50%,rgba(220,38,38,1))}
button{margin:.15rem;padding:.2rem .5rem;border:1px solid #aaa;border-radius:4px;background:#f6f6f6;cursor:pointer;font-family:ui-monospace,monospace}
button.active{background:#111;color:#fff}
table{border-collapse:collapse;margin-top:1rem}td,th{padding:.2rem .6rem;border-bottom:1px solid #eee;text-align:left}
)";

constexpr const char* kScript = R"(
const data = JSON.parse(document.getElementById('atman-data').textContent);
function colorFor(v, peak) {
  if (!(peak > 0) || v === 0) return 'transparent';
  const a = Math.min(1, Math.abs(v) / peak).toFixed(3);
  return v > 0 ? `rgba(220,38,38,${a})` : `rgba(37,99,235,${a})`;
}
function show(view) {
  const values = view < 0 ? data.total : data.relevance[view];
  const peak = Math.max(0, ...values.map(Math.abs));
  document.querySelectorAll('.unit').forEach(el => {
    const v = values[+el.dataset.unit];
    el.style.background = colorFor(v, peak);
    el.title = `unit ${el.dataset.unit}: ${v.toPrecision(6)}`;
  });
  document.querySelectorAll('button[data-view]').forEach(b => b.classList.toggle('active', +b.dataset.view === view));
  document.getElementById('peak').textContent = peak.toPrecision(4);
}
document.querySelectorAll('button[data-view]').forEach(b => b.addEventListener('click', () => {
  show(+b.dataset.view);
  history.replaceState(null, '', '#view=' + b.dataset.view);
}));
const linked = location.hash.match(/view=(-?\d+)/);  // page.html#view=2 opens target token 2
if (linked) show(+linked[1]);
)";

}  // namespace

void write_html(const Explanation& e, std::ostream& out, bool per_target_token) {
  const ExplainInput& in = e.input;
  double peak = 0.0;
  for (double v : e.total) peak = std::max(peak, std::abs(v));

  out << "<!DOCTYPE html>\n<html lang=\"en\"><head><meta charset=\"utf-8\">"
      << "<title>atman explanation</title><style>" << kStyle << "</style></head><body>\n";
  out << "<h1>Why this continuation?</h1>\n<p>Method <b>" << escape_markup(e.method) << "</b> on model <code>"
      << escape_markup(e.model_path) << "</code>. " << e.units.size() << " units; hover a unit for its value.</p>\n";

  out << "<div class=\"legend\"><span>works against the target</span><span class=\"bar\"></span>"
      << "<span>supports the target</span><span>(full colour = |value| <span id=\"peak\">"
      << format_value(peak) << "</span>)</span></div>\n";

  out << "<div>View: <button data-view=\"-1\" class=\"active\">total</button>";
  for (int64_t t = 0; t < in.target_length(); ++t) {
    out << "<button data-view=\"" << t << "\" title=\"relevance for target token " << t << "\">"
        << escape_markup(in.target_tokens[static_cast<size_t>(t)].piece) << "</button>";
  }
  out << "</div>\n<div class=\"text\">";
  auto unit_span = [&](const Unit& u) {
    const double v = e.total[static_cast<size_t>(u.index)];
    out << "<span class=\"unit\" data-unit=\"" << u.index << "\" style=\"background:"
        << background(v, peak) << "\" title=\"unit " << u.index << ": " << format_value(v) << "\">"
        << escape_markup(u.text) << "</span>";
  };
  if (in.messages.empty()) {
    // The prompt as it reads, units coloured; text outside every unit (a document template's own
    // words, the question at document granularity) plain.
    const std::u32string prompt = utf8_to_u32(in.prompt);
    size_t written = 0;
    auto plain_until = [&](size_t end) {
      if (end > written) out << escape_markup(u32_to_utf8(prompt.substr(written, end - written)));
      written = std::max(written, end);
    };
    for (const Unit& u : e.units) {
      if (u.source != "prompt") continue;
      plain_until(static_cast<size_t>(u.start));
      unit_span(u);
      written = static_cast<size_t>(u.start + u.length);
    }
    plain_until(prompt.size());
  } else {  // a conversation: each message under its role, the target as the assistant's reply
    for (const MessageSpan& m : in.messages) {
      out << "<div class=\"message\"><b>" << escape_markup(m.role) << ":</b> ";
      for (const Unit& u : e.units) {
        if (u.source == "prompt" && u.message == m.message) unit_span(u);
      }
      out << "</div>";
    }
    out << "<b>assistant:</b> ";
  }
  out << "<span class=\"target\">";
  size_t target_done = 0;
  for (const Unit& u : e.units) {
    if (u.source != "target") continue;
    unit_span(u);
    target_done = static_cast<size_t>(in.target_tokens.back().byte_start);
  }
  out << "<u>" << escape_markup(in.target.substr(target_done)) << "</u></span></div>\n";
  if (e.contrast) {
    out << "<p>Contrasted with the foil <u>" << escape_markup(e.contrast->foil.target)
        << "</u>: totals are the effect on log p(target) &minus; log p(foil).</p>\n";
  }
  out << "<p class=\"target\">Underlined: the target" << (in.target_generated ? " (the model's own continuation)" : "")
      << "; log p per token: ";
  for (size_t t = 0; t < e.baseline_logprobs.size(); ++t) {
    out << (t ? ", " : "") << "<code>" << escape_markup(in.target_tokens[t].piece) << "</code> "
        << format_value(e.baseline_logprobs[t]);
  }
  out << "</p>\n<table><tr><th>rank</th><th>unit</th><th>total</th><th>text</th></tr>\n";
  const auto order = e.ranking();
  for (size_t r = 0; r < std::min<size_t>(order.size(), 20); ++r) {
    const Unit& u = e.units[static_cast<size_t>(order[r])];
    out << "<tr><td>" << r + 1 << "</td><td>" << u.index << "</td><td>"
        << format_value(e.total[static_cast<size_t>(u.index)]) << "</td><td><code>"
        << escape_markup(u.text) << "</code></td></tr>\n";
  }
  out << "</table>\n";

  // The data the script recolours from; "</" is escaped so no string can end the script.
  nlohmann::json data = {{"total", e.total}, {"relevance", e.relevance}};
  std::string payload = data.dump(-1, ' ', false, nlohmann::json::error_handler_t::replace);
  for (size_t at; (at = payload.find("</")) != std::string::npos;) payload.replace(at, 2, "<\\/");
  out << "<script type=\"application/json\" id=\"atman-data\">" << payload << "</script>\n";
  out << "<script>" << kScript << (per_target_token && in.target_length() > 0 ? "show(0);\n" : "")
      << "</script>\n</body></html>\n";
}

}  // namespace atman
