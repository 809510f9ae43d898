#pragma once
// One setup_<verb> per subcommand: it registers the subcommand, owns its options struct and
// sets a callback that calls the library. Library errors propagate to main().
#include <CLI/CLI.hpp>

namespace atman::cli {

void setup_explain(CLI::App& app);
void setup_generate(CLI::App& app);
void setup_convert_llama2c(CLI::App& app);
void setup_doctor(CLI::App& app);
void setup_bench(CLI::App& app);
void setup_init_model(CLI::App& app);

}  // namespace atman::cli
