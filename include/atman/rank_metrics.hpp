#pragma once
// How alike two relevance vectors over the same units are, as a regression check sees it.
#include <cstdint>
#include <vector>

namespace atman {

// Spearman's rank correlation (average ranks for ties). When either vector is constant the
// correlation is undefined: 1 if the vectors are equal, else 0.
double spearman_correlation(const std::vector<double>& a, const std::vector<double>& b);

// |top-k units of a ∩ top-k units of b| / k, k capped at the number of units; ranking by
// decreasing value, ties by index (as Explanation::ranking()).
double top_k_overlap(const std::vector<double>& a, const std::vector<double>& b, int64_t k);

// Indices by decreasing value, ties by index.
std::vector<int64_t> rank_order(const std::vector<double>& values);

double max_abs_difference(const std::vector<double>& a, const std::vector<double>& b);

}  // namespace atman
