#include "atman/rank_metrics.hpp"

#include <algorithm>
#include <cmath>
#include <numeric>
#include <set>

#include "atman/error.hpp"

namespace atman {
namespace {

void require_same_size(const std::vector<double>& a, const std::vector<double>& b) {
  if (a.size() != b.size()) {
    throw Error("cannot compare " + std::to_string(a.size()) + " values with " + std::to_string(b.size()));
  }
}

// Ranks 1..n, tied values sharing the mean of their ranks.
std::vector<double> average_ranks(const std::vector<double>& v) {
  std::vector<size_t> order(v.size());
  std::iota(order.begin(), order.end(), 0);
  std::stable_sort(order.begin(), order.end(), [&](size_t x, size_t y) { return v[x] < v[y]; });
  std::vector<double> ranks(v.size());
  for (size_t i = 0; i < order.size();) {
    size_t j = i;
    while (j + 1 < order.size() && v[order[j + 1]] == v[order[i]]) ++j;
    const double mean = (static_cast<double>(i + j) / 2.0) + 1.0;
    for (size_t k = i; k <= j; ++k) ranks[order[k]] = mean;
    i = j + 1;
  }
  return ranks;
}

}  // namespace

std::vector<int64_t> rank_order(const std::vector<double>& values) {
  std::vector<int64_t> order(values.size());
  std::iota(order.begin(), order.end(), 0);
  std::stable_sort(order.begin(), order.end(), [&](int64_t x, int64_t y) { return values[x] > values[y]; });
  return order;
}

double spearman_correlation(const std::vector<double>& a, const std::vector<double>& b) {
  require_same_size(a, b);
  const auto ra = average_ranks(a), rb = average_ranks(b);
  const double n = static_cast<double>(a.size());
  const double mean = (n + 1.0) / 2.0;
  double cov = 0, va = 0, vb = 0;
  for (size_t i = 0; i < a.size(); ++i) {
    cov += (ra[i] - mean) * (rb[i] - mean);
    va += (ra[i] - mean) * (ra[i] - mean);
    vb += (rb[i] - mean) * (rb[i] - mean);
  }
  if (va == 0.0 || vb == 0.0) return a == b ? 1.0 : 0.0;
  return cov / std::sqrt(va * vb);
}

double top_k_overlap(const std::vector<double>& a, const std::vector<double>& b, int64_t k) {
  require_same_size(a, b);
  k = std::min<int64_t>(k, static_cast<int64_t>(a.size()));
  if (k <= 0) return 1.0;
  const auto oa = rank_order(a), ob = rank_order(b);
  const std::set<int64_t> top_a(oa.begin(), oa.begin() + k);
  int64_t shared = 0;
  for (int64_t i = 0; i < k; ++i) shared += top_a.count(ob[static_cast<size_t>(i)]);
  return static_cast<double>(shared) / static_cast<double>(k);
}

double max_abs_difference(const std::vector<double>& a, const std::vector<double>& b) {
  require_same_size(a, b);
  double m = 0.0;
  for (size_t i = 0; i < a.size(); ++i) m = std::max(m, std::abs(a[i] - b[i]));
  return m;
}

}  // namespace atman
