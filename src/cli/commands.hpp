#pragma once
// One setup_<verb> per subcommand: it registers the subcommand, owns its options struct and
// sets a callback that calls the library. Library errors propagate to main().
#include <CLI/CLI.hpp>

#include "atman/error.hpp"

namespace atman::cli {

void setup_explain(CLI::App& app);
void setup_heads(CLI::App& app);
void setup_generate(CLI::App& app);
void setup_convert_llama2c(CLI::App& app);
void setup_doctor(CLI::App& app);
void setup_bench(CLI::App& app);
void setup_init_model(CLI::App& app);
void setup_batch(CLI::App& app);
void setup_merge(CLI::App& app);
void setup_check(CLI::App& app);
void setup_eval(CLI::App& app);
void setup_tokenize(CLI::App& app);

// An error that ends the command with a code other than 1 (`check`: 2 for unusable input).
class ExitError : public Error {
 public:
  ExitError(const std::string& message, int exit_code) : Error(message), exit_code_(exit_code) {}
  int exit_code() const { return exit_code_; }

 private:
  int exit_code_;
};

// Runs a command's checks of its option values: what they throw is a usage error (exit 2).
template <typename Check>
auto check_options(Check&& check) {
  try {
    return check();
  } catch (const UsageError&) {
    throw;
  } catch (const Error& e) {
    throw UsageError(e.what());
  }
}

}  // namespace atman::cli
