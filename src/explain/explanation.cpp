#include "atman/explanation.hpp"

#include <algorithm>
#include <cmath>
#include <cstdio>
#include <fstream>
#include <numeric>
#include <sstream>

#include "atman/error.hpp"
#include "atman/fnv_hash.hpp"

namespace atman {

Postprocess parse_postprocess(const std::string& name) {
  if (name == "none") return Postprocess::kNone;
  if (name == "absolute") return Postprocess::kAbsolute;
  if (name == "square") return Postprocess::kSquare;
  throw Error("unknown postprocess '" + name + "' (expected none, absolute, square)");
}

std::string postprocess_name(Postprocess p) {
  switch (p) {
    case Postprocess::kNone: return "none";
    case Postprocess::kAbsolute: return "absolute";
    case Postprocess::kSquare: return "square";
  }
  return "none";
}

RefineOptions parse_refine(const std::string& text) {
  RefineOptions r;
  const auto colon = text.find(':');
  const std::string k = text.substr(0, colon);
  size_t used = 0;
  try {
    r.top_k = std::stoll(k, &used);
  } catch (const std::exception&) {
    used = 0;
  }
  if (k.empty() || used != k.size() || r.top_k < 1) {
    throw Error("--refine must be K or K:GRANULARITY with K >= 1 (e.g. 5:word), got '" + text + "'");
  }
  if (colon != std::string::npos) r.granularity = parse_granularity(text.substr(colon + 1));
  return r;
}

std::string refine_name(const RefineOptions& refine) {
  return std::to_string(refine.top_k) + (refine.granularity ? ":" + granularity_name(*refine.granularity) : "");
}

std::vector<int64_t> Explanation::ranking() const {
  std::vector<int64_t> order(total.size());
  std::iota(order.begin(), order.end(), 0);
  std::stable_sort(order.begin(), order.end(),
                   [&](int64_t a, int64_t b) { return total[a] > total[b]; });
  return order;
}

void compute_totals(Explanation& e, const ExplainOptions& options) {
  const size_t U = e.units.size();
  auto summed = [&](const std::vector<std::vector<double>>& rows) {
    std::vector<double> sums(U, 0.0);
    for (const auto& row : rows) {
      for (size_t u = 0; u < U; ++u) {
        const double r = row[u];
        sums[u] += options.postprocess == Postprocess::kAbsolute ? std::abs(r)
                   : options.postprocess == Postprocess::kSquare ? r * r
                                                                 : r;
      }
    }
    return sums;
  };
  e.total = summed(e.relevance);
  if (e.contrast) {  // summed apart, so that swapping target and foil negates exactly
    const auto foil = summed(e.contrast->relevance);
    for (size_t u = 0; u < U; ++u) e.total[u] -= foil[u];
  }
  if (options.normalize) {
    double peak = 0.0;
    for (double v : e.total) peak = std::max(peak, std::abs(v));
    if (peak > 0.0) {
      for (double& v : e.total) v /= peak;
    }
  }
}

std::string model_config_hash(const std::filesystem::path& model_dir) {
  std::ifstream in(model_dir / "config.json", std::ios::binary);
  std::stringstream buffer;
  buffer << in.rdbuf();
  const std::string bytes = buffer.str();
  Fnv1a64 hash;
  hash.update(bytes.data(), bytes.size());
  return hash.text();
}

}  // namespace atman
