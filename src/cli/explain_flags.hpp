#pragma once
// The explanation flags shared by `explain`, `batch` and `check --input`: method, suppression,
// units and totals, bound to an ExplainSettings.
#include <string>

#include <CLI/CLI.hpp>

#include "atman/explain_settings.hpp"

namespace atman::cli {

struct ExplainFlags {
  ExplainSettings settings;
  bool no_modify_factor = false;
  std::string max_memory = "auto";

  // The settings as typed; max_memory parsed to bytes (throws naming the flag).
  ExplainSettings to_settings() const;
};

// `with_method` false leaves out --method (eval takes a list of methods instead).
void add_explain_flags(CLI::App* command, ExplainFlags& flags, bool with_method = true);

}  // namespace atman::cli
