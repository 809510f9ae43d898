// The atman executable: parses arguments, sets up logging and threads, and is the one place
// that turns an error into a message and an exit code (0 ok, 1 runtime failure, 2 usage).
#include <spdlog/cfg/env.h>
#include <spdlog/sinks/stdout_color_sinks.h>
#include <spdlog/spdlog.h>

#include <CLI/CLI.hpp>
#include <c10/util/Exception.h>
#include <exception>
#include <iostream>

#include "atman/runtime.hpp"
#include "commands.hpp"
#include "model_options.hpp"

namespace {

void init_logging(int verbose, bool quiet) {
  auto logger = spdlog::stderr_color_mt("atman");
  logger->set_pattern("[%l] %v");
  spdlog::set_default_logger(logger);
  spdlog::set_level(quiet ? spdlog::level::warn
                          : verbose >= 2 ? spdlog::level::trace
                          : verbose == 1 ? spdlog::level::debug
                                         : spdlog::level::info);
  spdlog::cfg::load_env_levels();  // SPDLOG_LEVEL overrides the flags
}

// Every command's exit status also covers its standard output: results that could not be
// written (a full disk, /dev/full) must not look like success to a script. The streams are
// buffered, so the last write's failure only shows at this final flush.
int exit_after_stdout(int exit_code) {
  std::cout.flush();
  if (!std::cout && exit_code == 0) {
    std::cerr << "error: writing to stdout failed" << std::endl;
    return 1;
  }
  return exit_code;
}

// More threads than cores only slows libtorch down (each pass waits for the slowest thread),
// and thousands of them take seconds just to start: a typo such as 100000 is refused.
constexpr int kMaxThreads = 1024;

void warn_if_oversubscribed(int threads) {
  const int cores = atman::available_cores();
  if (threads > cores) {
    spdlog::warn("--threads {} is more than the cores this process may use ({}): usually slower, not faster",
                 threads, cores);
  }
}

}  // namespace

int main(int argc, char** argv) {
  atman::configure_runtime_environment(argv);
  CLI::App app{"atman: explain a language model's predictions by attention manipulation"};
  app.option_defaults()->always_capture_default();
  app.require_subcommand(1);
  app.fallthrough();  // -v, -q, --threads and --device may also follow the subcommand
  int verbose = 0;
  bool quiet = false;
  int threads = 0;
  std::string device = "auto";
  app.add_flag("-v,--verbose", verbose, "more log output (-vv for trace)");
  app.add_flag("-q,--quiet", quiet, "only warnings and errors");
  app.add_option("--threads", threads, "intra-op threads; 0 = every core this process may use (its CPU affinity and cgroup CPU limit)")
      ->capture_default_str()
      ->check(CLI::Range(0, kMaxThreads));
  app.add_option("--device", device, "where models compute: auto (CUDA when available), cpu, cuda or cuda:N")
      ->capture_default_str();
  app.parse_complete_callback([&] {
    init_logging(verbose, quiet);
    warn_if_oversubscribed(threads);
    atman::set_threads(threads);
    atman::cli::select_device(device);
  });

  atman::cli::setup_explain(app);
  atman::cli::setup_heads(app);
  atman::cli::setup_generate(app);
  atman::cli::setup_convert_llama2c(app);
  atman::cli::setup_bench(app);
  atman::cli::setup_init_model(app);
  atman::cli::setup_doctor(app);
  atman::cli::setup_batch(app);
  atman::cli::setup_merge(app);
  atman::cli::setup_check(app);
  atman::cli::setup_eval(app);
  atman::cli::setup_tokenize(app);

  try {
    app.parse(argc, argv);
  } catch (const CLI::CallForHelp& e) {
    return exit_after_stdout(app.exit(e));
  } catch (const CLI::CallForAllHelp& e) {
    return exit_after_stdout(app.exit(e));
  } catch (const CLI::CallForVersion& e) {
    return exit_after_stdout(app.exit(e));
  } catch (const CLI::ParseError& e) {
    app.exit(e);
    return 2;
  } catch (const atman::UsageError& e) {
    std::cerr << "error: " << e.what() << std::endl;
    return 2;
  } catch (const atman::cli::ExitError& e) {
    std::cerr << "error: " << e.what() << std::endl;
    return e.exit_code();
  } catch (const c10::Error& e) {
    // A libtorch failure the library did not anticipate: its message, without the C++ backtrace.
    std::cerr << "error: libtorch: " << e.what_without_backtrace() << std::endl;
    return 1;
  } catch (const std::exception& e) {
    std::cerr << "error: " << e.what() << std::endl;
    return 1;
  }
  return exit_after_stdout(0);
}
