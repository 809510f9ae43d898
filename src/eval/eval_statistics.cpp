#include <cmath>

#include "atman/eval_report.hpp"

namespace atman {
namespace {

// Two-sided 95% quantile of Student's t with `df` degrees of freedom.
double t_quantile_95(int64_t df) {
  static const double table[] = {12.706, 4.303, 3.182, 2.776, 2.571, 2.447, 2.365, 2.306, 2.262, 2.228,
                                 2.201,  2.179, 2.160, 2.145, 2.131, 2.120, 2.110, 2.101, 2.093, 2.086,
                                 2.080,  2.074, 2.069, 2.064, 2.060, 2.056, 2.052, 2.048, 2.045, 2.042};
  if (df <= 30) return table[df - 1];
  return df <= 60 ? 2.000 : df <= 120 ? 1.980 : 1.960;
}

// The drop at k, NaN when the record has none.
double top_k_drop(const FaithfulnessScores& f, int64_t k) {
  for (size_t i = 0; i < kTopK.size() && i < f.top_k_drop.size(); ++i) {
    if (kTopK[i] == k) return f.top_k_drop[i];
  }
  return std::nan("");
}

}  // namespace

MetricSummary summarize(const std::vector<double>& values) {
  MetricSummary s;
  double sum = 0;
  for (double v : values) {
    if (std::isfinite(v)) {
      sum += v;
      ++s.n;
    }
  }
  if (s.n == 0) return s;
  s.mean = sum / static_cast<double>(s.n);
  if (s.n < 2) return s;
  double squares = 0;
  for (double v : values) {
    if (std::isfinite(v)) squares += (v - s.mean) * (v - s.mean);
  }
  const double sd = std::sqrt(squares / static_cast<double>(s.n - 1));
  s.ci95 = t_quantile_95(s.n - 1) * sd / std::sqrt(static_cast<double>(s.n));
  return s;
}

const std::vector<MetricInfo>& eval_metrics() {
  static const std::vector<MetricInfo> metrics = {
      {"deletion_auc", "deletion AUC", false},
      {"insertion_auc", "insertion AUC", true},
      {"comprehensiveness", "AOPC comprehensiveness", true},
      {"sufficiency", "AOPC sufficiency", false},
      {"top1_drop", "top-1 drop", true},
      {"top3_drop", "top-3 drop", true},
      {"top5_drop", "top-5 drop", true},
      {"average_precision", "gold MAP", true},
      {"recall_at_gold", "gold recall@G", true},
      {"pointing_game", "pointing game", true},
      {"seconds", "seconds / record", false},
      {"peak_rss_mib", "peak RSS MiB", false},
      {"peak_device_mib", "peak device MiB", false},
  };
  return metrics;
}

std::vector<double> metric_values(const MethodEvaluation& m, const std::string& key) {
  std::vector<double> values;
  const double none = std::nan("");
  for (const auto& r : m.records) {
    const auto& f = r.faithfulness;
    if (key == "deletion_auc") values.push_back(f.deletion_auc);
    else if (key == "insertion_auc") values.push_back(f.insertion_auc);
    else if (key == "comprehensiveness") values.push_back(f.comprehensiveness);
    else if (key == "sufficiency") values.push_back(f.sufficiency);
    else if (key == "top1_drop") values.push_back(top_k_drop(f, 1));
    else if (key == "top3_drop") values.push_back(top_k_drop(f, 3));
    else if (key == "top5_drop") values.push_back(top_k_drop(f, 5));
    else if (key == "average_precision") values.push_back(r.gold ? r.gold->average_precision : none);
    else if (key == "recall_at_gold") values.push_back(r.gold ? r.gold->recall_at_gold : none);
    else if (key == "pointing_game") values.push_back(r.gold ? r.gold->pointing_game : none);
    else if (key == "seconds") values.push_back(r.seconds);
    else if (key == "peak_rss_mib") values.push_back(static_cast<double>(r.peak_rss_bytes) / (1 << 20));
    else if (key == "peak_device_mib") values.push_back(r.peak_device_bytes < 0 ? none : static_cast<double>(r.peak_device_bytes) / (1 << 20));
  }
  return values;
}

}  // namespace atman
