#pragma once
// Runs every method on every record of a JSONL data set and measures each explanation:
// faithfulness curves, agreement with "gold" spans when present, time and peak memory.
#include <functional>
#include <istream>
#include <string>
#include <vector>

#include "atman/eval_report.hpp"
#include "atman/explain_settings.hpp"
#include "atman/model.hpp"

namespace atman {

struct EvalOptions {
  ExplainSettings settings;                                        // shared by all methods
  std::vector<std::string> methods{"atman", "ig", "ixg", "attattr"};
  RemovalMode removal = RemovalMode::kSuppress;
  int64_t curve_steps = 10;                                        // 10% of the units per step
};

// Called after each record with (records so far, failed so far).
using EvalProgressCallback = std::function<void(int64_t, int64_t)>;

// Reads records as `atman batch` does ("prompt", "target", optional "id", overrides, "gold").
// A bad record, or a method failing on one, is listed in report.failed; the rest go on.
EvalReport evaluate(const Model& model, std::istream& in, const EvalOptions& options,
                    const EvalProgressCallback& on_record = {});

}  // namespace atman
