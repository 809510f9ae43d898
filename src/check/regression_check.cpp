#include "atman/regression_check.hpp"

#include <cmath>
#include <iomanip>
#include <map>
#include <sstream>

#include "atman/error.hpp"
#include "atman/rank_metrics.hpp"
#include "atman/text_format.hpp"

namespace atman {
namespace {

std::vector<double> totals_of(const nlohmann::json& record) { return record.at("total").get<std::vector<double>>(); }

// True when the record's "total" is a list of finite numbers (null, strings or NaN cannot be ranked).
bool has_numeric_totals(const nlohmann::json& record) {
  const auto total = record.find("total");
  if (total == record.end() || !total->is_array()) return false;
  for (const auto& v : *total) {
    if (!v.is_number() || !std::isfinite(v.get<double>())) return false;
  }
  return true;
}

// Why two records of one id cannot be compared, or "" when they can.
std::string incomparable(const nlohmann::json& base, const nlohmann::json& cur) {
  const bool base_error = base.contains("error"), cur_error = cur.contains("error");
  if (base_error || cur_error) {
    if (base_error && cur_error && base["error"].value("code", "") == cur["error"].value("code", "")) return "";
    const auto& failed = cur_error ? cur : base;
    return std::string(cur_error ? "current" : "baseline") + " record is an error: " +
           failed["error"].value("message", failed["error"].dump());
  }
  for (const char* key : {"schema", "prompt", "target", "method"}) {
    if (base.value(key, nlohmann::json()) != cur.value(key, nlohmann::json())) {
      return std::string("different ") + key + ": " + base.value(key, nlohmann::json()).dump() + " vs " +
             cur.value(key, nlohmann::json()).dump();
    }
  }
  if (!base.contains("total") || !cur.contains("total") || !base.contains("units") || !cur.contains("units")) {
    return "record has no units or totals";
  }
  for (const auto* record : {&base, &cur}) {
    if (!has_numeric_totals(*record)) {
      return std::string(record == &base ? "baseline" : "current") + " record's \"total\" is not a list of finite numbers";
    }
  }
  if (!base["units"].is_array() || !cur["units"].is_array()) return "record's \"units\" is not a list";
  for (const auto* units : {&base["units"], &cur["units"]}) {
    for (const auto& u : *units) {
      if (!u.is_object()) return "record's \"units\" holds something other than unit objects";
    }
  }
  const auto& bu = base["units"];
  const auto& cu = cur["units"];
  if (bu.size() != cu.size()) {
    return "different units: " + std::to_string(bu.size()) + " vs " + std::to_string(cu.size()) +
           " (granularity or tokenizer changed?)";
  }
  for (size_t i = 0; i < bu.size(); ++i) {
    if (bu[i].value("text", "") != cu[i].value("text", "")) return "unit " + std::to_string(i) + " differs in text";
  }
  if (totals_of(base).size() != bu.size() || totals_of(cur).size() != cu.size()) return "totals do not match units";
  return "";
}

void compare(RecordCheck& r, const nlohmann::json& base, const nlohmann::json& cur, const CheckThresholds& t) {
  if (const std::string why = incomparable(base, cur); !why.empty()) {
    r.status = CheckStatus::kUnusable;
    r.reason = why;
    return;
  }
  if (base.contains("error")) return;  // the same failure in both runs: nothing drifted
  const auto a = totals_of(base), b = totals_of(cur);
  r.units = static_cast<int64_t>(a.size());
  r.spearman = spearman_correlation(a, b);
  r.topk_overlap = top_k_overlap(a, b, t.top_k);
  r.max_abs_diff = max_abs_difference(a, b);
  std::vector<std::string> reasons;
  if (r.spearman < t.min_spearman) reasons.push_back("spearman " + format_fixed(r.spearman, 4) + " < " + format_fixed(t.min_spearman, 4));
  if (r.topk_overlap < t.min_topk_overlap) {
    reasons.push_back("top-" + std::to_string(t.top_k) + " overlap " + format_fixed(r.topk_overlap, 4) + " < " +
                      format_fixed(t.min_topk_overlap, 4));
  }
  if (t.max_abs_diff && r.max_abs_diff > *t.max_abs_diff) {
    reasons.push_back("max |diff| " + format_fixed(r.max_abs_diff, 6) + " > " + format_fixed(*t.max_abs_diff, 6));
  }
  if (!reasons.empty()) {
    r.status = CheckStatus::kRegressed;
    for (size_t i = 0; i < reasons.size(); ++i) r.reason += (i ? "; " : "") + reasons[i];
  }
}

}  // namespace

void CheckThresholds::validate() const {
  // Written so that NaN fails every check: a NaN threshold would pass everything.
  if (top_k < 1) throw Error("--top-k must be >= 1, got " + std::to_string(top_k));
  if (!(min_spearman >= -1 && min_spearman <= 1)) {
    throw Error("--min-spearman must be a number in [-1, 1], got " + format_number(min_spearman));
  }
  if (!(min_topk_overlap >= 0 && min_topk_overlap <= 1)) {
    throw Error("--min-topk-overlap must be a number in [0, 1], got " + format_number(min_topk_overlap));
  }
  if (max_abs_diff && !(*max_abs_diff >= 0 && std::isfinite(*max_abs_diff))) {
    throw Error("--max-abs-diff must be a finite number >= 0 or 'off', got " + format_number(*max_abs_diff));
  }
}

std::vector<nlohmann::json> parse_explanation_lines(const std::vector<std::string>& lines, const std::string& source) {
  std::vector<nlohmann::json> records;
  int64_t number = 0;
  for (const auto& line : lines) {
    ++number;
    if (line.find_first_not_of(" \t\r") == std::string::npos) continue;
    nlohmann::json j;
    try {
      j = nlohmann::json::parse(line);
    } catch (const nlohmann::json::exception&) {
      throw Error("'" + source + "' line " + std::to_string(number) + " is not valid JSON");
    }
    if (!j.is_object() || !j.contains("id")) {
      throw Error("'" + source + "' line " + std::to_string(number) + " is not an explanation record with an \"id\"");
    }
    records.push_back(std::move(j));
  }
  return records;
}

CheckReport check_explanations(const std::vector<nlohmann::json>& baseline, const std::vector<nlohmann::json>& current,
                               const CheckThresholds& thresholds) {
  thresholds.validate();
  std::map<std::string, const nlohmann::json*> current_by_id;
  std::map<std::string, int> duplicates;
  for (const auto& r : current) {
    if (!current_by_id.emplace(r["id"].dump(), &r).second) ++duplicates[r["id"].dump()];
  }
  CheckReport report;
  std::map<std::string, bool> in_baseline;
  for (const auto& base : baseline) {
    RecordCheck r;
    r.id = base["id"].dump();
    if (in_baseline.count(r.id) != 0) {
      r.status = CheckStatus::kUnusable;
      r.reason = "id appears more than once in the baseline";
    } else if (const auto it = current_by_id.find(r.id); it == current_by_id.end()) {
      r.status = CheckStatus::kUnusable;
      r.reason = "missing from the current run";
    } else if (duplicates.count(r.id) != 0) {
      r.status = CheckStatus::kUnusable;
      r.reason = "id appears more than once in the current run";
    } else {
      compare(r, base, *it->second, thresholds);
    }
    in_baseline[r.id] = true;
    report.records.push_back(std::move(r));
  }
  for (const auto& cur : current) {
    const std::string id = cur["id"].dump();
    if (in_baseline.count(id) != 0) continue;
    in_baseline[id] = true;
    report.records.push_back({id, CheckStatus::kUnusable, 0, 0, 0, 0, "missing from the baseline"});
  }
  for (const auto& r : report.records) {
    ++(r.status == CheckStatus::kPassed ? report.passed : r.status == CheckStatus::kRegressed ? report.regressed
                                                                                              : report.unusable);
  }
  return report;
}

void write_check_table(const CheckReport& report, std::ostream& out) {
  bool header = false;
  for (const auto& r : report.records) {
    if (r.status == CheckStatus::kPassed) continue;
    if (!header) {
      out << "id\tstatus\tspearman\ttopk_overlap\tmax_abs_diff\treason\n";
      header = true;
    }
    const bool measured = r.status == CheckStatus::kRegressed;
    out << r.id << '\t' << (measured ? "regressed" : "unusable") << '\t' << (measured ? format_fixed(r.spearman, 4) : "-")
        << '\t' << (measured ? format_fixed(r.topk_overlap, 4) : "-") << '\t' << (measured ? format_fixed(r.max_abs_diff, 6) : "-")
        << '\t' << r.reason << '\n';
  }
  out << "check: " << report.records.size() << " ids, " << report.passed << " passed, " << report.regressed
      << " regressed, " << report.unusable << " unusable\n";
}

void write_junit(const CheckReport& report, const CheckThresholds& t, std::ostream& out) {
  const auto counts = " tests=\"" + std::to_string(report.records.size()) + "\" failures=\"" +
                      std::to_string(report.regressed) + "\" errors=\"" + std::to_string(report.unusable) + "\"";
  out << "<?xml version=\"1.0\" encoding=\"UTF-8\"?>\n"
      << "<testsuites name=\"atman check\"" << counts << ">\n"
      << "  <testsuite name=\"atman.check\"" << counts << ">\n"
      << "    <properties>\n"
      << "      <property name=\"top_k\" value=\"" << t.top_k << "\"/>\n"
      << "      <property name=\"min_spearman\" value=\"" << t.min_spearman << "\"/>\n"
      << "      <property name=\"min_topk_overlap\" value=\"" << t.min_topk_overlap << "\"/>\n"
      << "    </properties>\n";
  for (const auto& r : report.records) {
    out << "    <testcase classname=\"atman.check\" name=\"" << escape_markup(r.id) << "\"";
    if (r.status == CheckStatus::kPassed) {
      out << "/>\n";
      continue;
    }
    const char* tag = r.status == CheckStatus::kRegressed ? "failure" : "error";
    out << ">\n      <" << tag << " message=\"" << escape_markup(r.reason) << "\">" << escape_markup(r.reason);
    if (r.status == CheckStatus::kRegressed) {
      out << "\nspearman=" << format_fixed(r.spearman, 4) << " topk_overlap=" << format_fixed(r.topk_overlap, 4)
          << " max_abs_diff=" << format_fixed(r.max_abs_diff, 6) << " units=" << r.units;
    }
    out << "</" << tag << ">\n    </testcase>\n";
  }
  out << "  </testsuite>\n</testsuites>\n";
}

}  // namespace atman
