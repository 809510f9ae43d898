// `atman bench`: each measurement runs in a child process (this executable, re-run with the
// hidden --child-mode option) so that every mode's peak resident memory is its own.
#include <spawn.h>
#include <sys/wait.h>
#include <unistd.h>

#include <spdlog/spdlog.h>

#include <algorithm>
#include <cmath>
#include <cstdio>
#include <fstream>
#include <iomanip>
#include <iostream>
#include <memory>
#include <nlohmann/json.hpp>
#include <sstream>

#include "atman/bench.hpp"
#include "atman/device.hpp"
#include "atman/text_format.hpp"
#include "atman/error.hpp"
#include "atman/model_presets.hpp"
#include "atman/runtime.hpp"
#include "commands.hpp"
#include "model_options.hpp"
#include "byte_size.hpp"

extern char** environ;

namespace atman::cli {
namespace {

struct BenchCommandOptions {
  ModelOptions model;
  std::string preset;
  int64_t max_positions = 0;  // of the preset; 0 = its own
  std::vector<int64_t> prompt_tokens{256};
  int64_t target_tokens = 8;
  std::vector<std::string> modes{"forward", "atman", "naive"};
  int64_t batch_size = 0;
  std::string max_memory = "auto";
  std::string conceptual_threshold = "off";
  std::string granularity = "token";
  int repeats = 3;
  std::string method;  // shorthand: --modes forward,atman,METHOD
  int64_t steps = 20;
  int64_t gradient_batch_size = 0;
  bool json = false;
  std::string json_file;  // also write the JSON report here
  bool profile = false;   // each mode's time per operator or kernel
  // Hidden: run one measurement and write it to child_out.
  std::string child_mode;
  std::string child_out;
};

// The ops a profile lists: the rest are in its total.
constexpr size_t kProfiledOps = 40;

nlohmann::json result_json(const BenchResult& r) {
  nlohmann::json j = {{"mode", bench_mode_name(r.mode)}, {"tokens", r.tokens},
                      {"rows", r.rows},                  {"forward_passes", r.forward_passes},
                      {"wall_seconds", r.wall_seconds},  {"flops", r.flops},
                      {"peak_rss_bytes", r.peak_rss_bytes}, {"peak_device_bytes", r.peak_device_bytes},
                      {"relevance", r.relevance}};
  if (!r.profile.what.empty()) {
    nlohmann::json ops = nlohmann::json::array();
    for (size_t i = 0; i < std::min(kProfiledOps, r.profile.ops.size()); ++i) {
      const OpTime& op = r.profile.ops[i];
      ops.push_back({{"name", op.name}, {"milliseconds", op.milliseconds}, {"calls", op.calls}});
    }
    j["profile"] = {{"what", r.profile.what}, {"total_milliseconds", r.profile.total_milliseconds}, {"ops", ops}};
  }
  return j;
}

// Each profiled mode's ops with the most time: share, milliseconds, calls, name.
void print_profiles(const nlohmann::json& report) {
  constexpr size_t kShown = 15;
  constexpr size_t kNameWidth = 110;  // CUDA kernel names run to hundreds of characters
  for (const auto& run : report["runs"]) {
    for (const auto& m : run["modes"]) {
      if (!m.contains("profile")) continue;
      const auto& profile = m["profile"];
      const double total = profile["total_milliseconds"].get<double>();
      std::cout << "\nprofile of " << m["mode"].get<std::string>() << " at " << run["prompt_tokens"].get<int64_t>()
                << " prompt tokens: " << profile["what"].get<std::string>() << ", " << format_fixed(total, 1)
                << " ms in all (timed under the profiler)\n"
                << "share\tms\tcalls\tname\n";
      const auto& ops = profile["ops"];
      for (size_t i = 0; i < std::min(kShown, ops.size()); ++i) {
        const double ms = ops[i]["milliseconds"].get<double>();
        std::string name = ops[i]["name"].get<std::string>();
        if (name.size() > kNameWidth) name = name.substr(0, kNameWidth - 3) + "...";
        std::cout << format_fixed(total > 0 ? 100.0 * ms / total : 0.0, 1) << "%\t" << format_fixed(ms, 2) << '\t'
                  << ops[i]["calls"].get<int64_t>() << '\t' << name << '\n';
      }
    }
  }
}

BenchRequest request_for(const BenchCommandOptions& o, const std::string& mode, int64_t prompt_tokens) {
  BenchRequest request;
  request.mode = parse_bench_mode(mode);
  request.prompt_tokens = prompt_tokens;
  request.target_tokens = o.target_tokens;
  request.atman.batch_size = o.batch_size;
  request.atman.max_memory_bytes = parse_byte_size(o.max_memory, "--max-memory");
  if (o.conceptual_threshold == "off") {
    request.atman.suppression.conceptual_threshold = std::nullopt;
  } else {
    request.atman.suppression.conceptual_threshold = std::stod(o.conceptual_threshold);
  }
  request.granularity = parse_granularity(o.granularity);
  request.repeats = o.repeats;
  request.gradient.steps = o.steps;
  request.gradient.batch_size = o.gradient_batch_size;
  request.profile = o.profile;
  return request;
}

void run_child(const BenchCommandOptions& o) {
  const Model model = load_model_for(o.model);
  const BenchResult r = run_bench(model, request_for(o, o.child_mode, o.prompt_tokens.front()));
  std::ofstream out(o.child_out);
  out << result_json(r).dump() << "\n";
  if (!out) throw Error("cannot write bench result to '" + o.child_out + "'");
}

// Runs this executable as a child measuring one mode; returns its result.
nlohmann::json spawn_child(const BenchCommandOptions& o, const std::string& model_dir,
                           const std::string& mode, int64_t prompt_tokens) {
  const std::string out_path = std::filesystem::temp_directory_path().string() + "/atman-bench-" +
                               std::to_string(::getpid()) + "-" + mode + ".json";
  std::vector<std::string> args = {"atman", "-q", "--threads", std::to_string(runtime_info().torch_threads),
                                   "--device", selected_device_spec(), "bench", "--model", model_dir, "--dtype", o.model.dtype,
                                   "--attention", o.model.attention,
                                   "--prompt-tokens", std::to_string(prompt_tokens),
                                   "--target-tokens", std::to_string(o.target_tokens),
                                   "--batch-size", std::to_string(o.batch_size),
                                   "--max-memory", o.max_memory,
                                   "--conceptual-threshold", o.conceptual_threshold,
                                   "--granularity", o.granularity,
                                   "--repeats", std::to_string(o.repeats),
                                   "--steps", std::to_string(o.steps),
                                   "--gradient-batch-size", std::to_string(o.gradient_batch_size),
                                   "--child-mode", mode, "--child-out", out_path};
  if (o.profile) args.push_back("--profile");
  std::vector<char*> argv;
  for (auto& a : args) argv.push_back(a.data());
  argv.push_back(nullptr);
  pid_t pid = 0;
  if (posix_spawn(&pid, "/proc/self/exe", nullptr, nullptr, argv.data(), environ) != 0) {
    throw Error("cannot start a benchmark child process");
  }
  int status = 0;
  waitpid(pid, &status, 0);
  if (!WIFEXITED(status) || WEXITSTATUS(status) != 0) {
    throw Error("benchmark of mode '" + mode + "' at " + std::to_string(prompt_tokens) +
                " prompt tokens failed (see its error above)");
  }
  std::ifstream in(out_path);
  auto j = nlohmann::json::parse(in);
  std::remove(out_path.c_str());
  return j;
}

double max_abs_difference(const nlohmann::json& a, const nlohmann::json& b) {
  double worst = 0.0;
  for (size_t t = 0; t < a.size(); ++t) {
    for (size_t u = 0; u < a[t].size(); ++u) {
      worst = std::max(worst, std::abs(a[t][u].get<double>() - b[t][u].get<double>()));
    }
  }
  return worst;
}

void run_bench_command(BenchCommandOptions o) {
  if (!o.child_mode.empty()) return run_child(o);
  if (!o.method.empty()) o.modes = {"forward", "atman", o.method};
  for (const auto& mode : o.modes) parse_bench_mode(mode);  // fail before any work
  parse_granularity(o.granularity);

  std::string model_dir = o.model.dir;
  std::filesystem::path generated;
  if (!o.preset.empty()) {
    generated = std::filesystem::temp_directory_path() / ("atman-bench-" + o.preset + "-" + std::to_string(::getpid()));
    spdlog::info("writing random-weight preset {} to {}", o.preset, generated.string());
    init_model(o.preset, generated, 0, torch::kFloat32, o.max_positions);
    model_dir = generated.string();
  }
  struct Cleanup {
    std::filesystem::path dir;
    ~Cleanup() {
      std::error_code ec;
      if (!dir.empty()) std::filesystem::remove_all(dir, ec);
    }
  } cleanup{generated};

  // The children compute on the selected device; this process only reads sizes, on the CPU, so
  // that it holds no device memory while they run.
  const torch::Device device = selected_device();
  const torch::ScalarType dtype = resolve_dtype(o.model.dtype, device);
  // The CPU cannot compute float16, and needs not here: bfloat16 has the same size.
  const Transformer transformer =
      load_transformer(model_dir, {dtype == torch::kFloat16 ? torch::kBFloat16 : dtype, torch::kCPU});
  const auto& config = transformer.config();
  for (int64_t p : o.prompt_tokens) {  // checked here, before any child process starts
    if (p < 2 || p + o.target_tokens - 1 > config.max_position_embeddings || o.target_tokens < 1) {
      throw Error("--prompt-tokens " + std::to_string(p) + " + --target-tokens " + std::to_string(o.target_tokens) +
                  " exceed the model's max_position_embeddings (" +
                  std::to_string(config.max_position_embeddings) + ") or are below 2 + 1");
    }
  }
  const double model_mb = static_cast<double>(transformer.parameter_bytes()) / (1 << 20);
  const int64_t parameters = transformer.parameter_bytes() / static_cast<int64_t>(c10::elementSize(dtype));
  // The reference the achieved FLOP/s are compared with: a plain float32 matmul on the CPU, a
  // matmul of the compute dtype on a GPU (measured after the children, on a device they left free).
  double matmul = device.is_cuda() ? 0.0 : matmul_gflops(1024, 5);
  const std::string matmul_name = device.is_cuda() ? std::string("matmul 8192x8192 ") + dtype_name(dtype) + " on " + device.str()
                                                   : std::string("matmul 1024x1024 float32");
  const int threads = runtime_info().torch_threads;
  // Peaks compared: device memory on a GPU, the process's resident memory on the CPU.
  const std::string peak_key = device.is_cuda() ? "peak_device_bytes" : "peak_rss_bytes";

  nlohmann::json report = {{"model", model_dir},
                           {"preset", o.preset},
                           {"parameters", parameters},
                           {"model_bytes", transformer.parameter_bytes()},
                           {"threads", threads},
                           {"device", device.str()},
                           {"dtype", dtype_name(dtype)},
                           {"attention", o.model.attention},
                           {"target_tokens", o.target_tokens},
                           {"runs", nlohmann::json::array()}};
  for (int64_t p : o.prompt_tokens) {
    nlohmann::json by_mode;
    for (const auto& mode : o.modes) {
      spdlog::info("measuring {} at {} prompt tokens", mode, p);
      by_mode[mode] = spawn_child(o, model_dir, mode, p);
      const auto& m = by_mode[mode];  // logged as it comes, in case a later mode never finishes
      spdlog::info("{} at {} prompt tokens: {:.3f} s, {:.1f} GFLOP/s, peak RSS {:.0f} MiB, peak device {:.0f} MiB", mode, p,
                   m["wall_seconds"].get<double>(), m["flops"].get<double>() / m["wall_seconds"].get<double>() / 1e9,
                   m["peak_rss_bytes"].get<double>() / (1 << 20), m["peak_device_bytes"].get<double>() / (1 << 20));
    }
    nlohmann::json run = {{"prompt_tokens", p}, {"modes", nlohmann::json::array()}};
    for (const auto& mode : o.modes) {
      auto m = by_mode[mode];
      m["gflops_per_second"] = m["flops"].get<double>() / m["wall_seconds"].get<double>() / 1e9;
      run["modes"].push_back(m);
    }
    if (by_mode.contains("atman") && by_mode.contains("naive")) {
      run["atman_over_naive_time"] = by_mode["atman"]["wall_seconds"].get<double>() / by_mode["naive"]["wall_seconds"].get<double>();
      run["atman_naive_max_abs_diff"] = max_abs_difference(by_mode["atman"]["relevance"], by_mode["naive"]["relevance"]);
    }
    for (const char* gradient : {"ig", "ixg", "attattr"}) {
      if (by_mode.contains(gradient) && by_mode.contains("atman")) {
        run[std::string(gradient) + "_peak_over_atman_peak"] =
            by_mode[gradient][peak_key].get<double>() / by_mode["atman"][peak_key].get<double>();
      }
    }
    if (by_mode.contains("atman") && by_mode.contains("forward")) {
      const double bound = 1.5 * by_mode["forward"][peak_key].get<double>() + transformer.parameter_bytes();
      run["memory_bound_bytes"] = bound;
      run["atman_peak_over_bound"] = by_mode["atman"][peak_key].get<double>() / bound;
    }
    report["runs"].push_back(run);
  }
  for (auto& run : report["runs"]) {
    for (auto& m : run["modes"]) m.erase("relevance");  // values were compared, not reported
  }
  if (device.is_cuda()) matmul = 1000.0 * matmul_tflops(device, dtype, 8192, 10);
  report["matmul"] = {{"what", matmul_name}, {"gflops", matmul}};
  for (auto& run : report["runs"]) {
    for (auto& m : run["modes"]) {
      if (m["mode"] == "atman") run["atman_over_matmul_flops"] = m["gflops_per_second"].get<double>() / matmul;
    }
  }

  if (!o.json_file.empty()) {
    std::ofstream out(o.json_file);
    out << report.dump(2) << "\n";
    if (!out) throw Error("cannot write the bench report to '" + o.json_file + "'");
  }
  if (o.json) {
    std::cout << report.dump(2) << std::endl;
    return;
  }
  std::cout << "model " << model_dir << (o.preset.empty() ? "" : " (preset " + o.preset + ")") << ": "
            << format_fixed(static_cast<double>(parameters) / 1e6, 1) << "M parameters, "
            << format_fixed(model_mb, 1) << " MiB, " << config.num_hidden_layers << " layers, d_model " << config.hidden_size
            << "; " << device.str() << ", " << dtype_name(dtype) << ", " << o.model.attention << " attention, threads " << threads << "; target "
            << o.target_tokens << " tokens\n"
            << "plain libtorch " << matmul_name << ": " << format_fixed(matmul, 1) << " GFLOP/s\n\n";
  std::cout << "prompt\ttokens\tmode\trows\tpasses\twall_s\tms/row\tGFLOP\tGFLOP/s\tpeak_MiB\tdevice_peak_MiB\n";
  for (const auto& run : report["runs"]) {
    for (const auto& m : run["modes"]) {
      const int64_t rows = m["rows"].get<int64_t>();
      const double wall = m["wall_seconds"].get<double>();
      std::cout << run["prompt_tokens"].get<int64_t>() << '\t' << m["tokens"].get<int64_t>() << '\t'
                << m["mode"].get<std::string>() << '\t' << (rows ? std::to_string(rows) : "-") << '\t'
                << m["forward_passes"].get<int64_t>() << '\t' << format_fixed(wall, 4) << '\t'
                << (rows ? format_fixed(1000.0 * wall / static_cast<double>(rows), 3) : "-") << '\t'
                << format_fixed(m["flops"].get<double>() / 1e9, 2) << '\t' << format_fixed(m["gflops_per_second"].get<double>(), 1)
                << '\t' << format_fixed(m["peak_rss_bytes"].get<double>() / (1 << 20), 1) << '\t'
                << (device.is_cuda() ? format_fixed(m["peak_device_bytes"].get<double>() / (1 << 20), 1) : "-") << '\n';
    }
  }
  std::cout << '\n';
  for (const auto& run : report["runs"]) {
    std::cout << "prompt " << run["prompt_tokens"].get<int64_t>() << ":";
    if (run.contains("atman_over_naive_time")) {
      std::cout << " atman/naive time " << format_fixed(run["atman_over_naive_time"].get<double>(), 3)
                << ", max |R_atman - R_naive| " << run["atman_naive_max_abs_diff"].get<double>() << ";";
    }
    if (run.contains("atman_over_matmul_flops")) {
      std::cout << " atman GFLOP/s / matmul " << format_fixed(run["atman_over_matmul_flops"].get<double>(), 3) << ";";
    }
    if (run.contains("atman_peak_over_bound")) {
      std::cout << " atman peak / (1.5 x forward peak + model) " << format_fixed(run["atman_peak_over_bound"].get<double>(), 3);
    }
    for (const char* gradient : {"ig", "ixg", "attattr"}) {
      const std::string key = std::string(gradient) + "_peak_over_atman_peak";
      if (run.contains(key)) {
        std::cout << "; " << gradient << " peak / atman peak " << format_fixed(run[key].get<double>(), 2);
      }
    }
    std::cout << '\n';
  }
  print_profiles(report);
}

}  // namespace

void setup_bench(CLI::App& app) {
  auto o = std::make_shared<BenchCommandOptions>();
  auto* cmd = app.add_subcommand("bench", "Measure explanation time, FLOP/s and peak memory against a plain forward pass");
  add_model_options(cmd, o->model);
  cmd->add_option("--preset", o->preset, "benchmark a random-weight preset (tiny, llama-25m, llama-110m, llama3-1b) instead of --model");
  cmd->add_option("--max-positions", o->max_positions, "context length of the preset; 0 = the preset's own")
      ->capture_default_str()
      ->check(CLI::NonNegativeNumber);
  cmd->add_option("--prompt-tokens", o->prompt_tokens, "synthetic prompt length(s), BOS included, e.g. 64,128,256,512")
      ->delimiter(',')->capture_default_str();
  cmd->add_option("--target-tokens", o->target_tokens, "synthetic target length")->capture_default_str();
  cmd->add_option("--modes", o->modes, "what to measure: forward, atman, naive, ig, ixg, attattr")
      ->delimiter(',')->capture_default_str();
  cmd->add_option("--method", o->method, "shorthand for --modes forward,atman,METHOD (e.g. ig, attattr)");
  cmd->add_option("--steps", o->steps, "path steps of ig and attattr")->capture_default_str();
  cmd->add_option("--gradient-batch-size", o->gradient_batch_size, "path steps per pass of ig/attattr; 0 = all")
      ->capture_default_str();
  cmd->add_option("--batch-size", o->batch_size, "suppression rows per pass; 0 = from --max-memory")->capture_default_str();
  cmd->add_option("--max-memory", o->max_memory, "activation budget of one pass, or auto")->capture_default_str();
  cmd->add_option("--conceptual-threshold", o->conceptual_threshold, "co-suppression threshold or off")->capture_default_str();
  cmd->add_option("--granularity", o->granularity,
                  "units of the explanation modes; the synthetic prompt has words but no sentences, so paragraph "
                  "measures one perturbed pass over the whole prompt")
      ->capture_default_str();
  cmd->add_option("--repeats", o->repeats, "timed repetitions of the plain forward pass")->capture_default_str();
  cmd->add_flag("--json", o->json, "print the results as JSON");
  cmd->add_option("--json-file", o->json_file, "also write the results as JSON to this file");
  cmd->add_flag("--profile", o->profile,
                "also report where each mode's time goes, per CUDA kernel on a GPU or per operator on the CPU "
                "(libtorch's profiler; its overhead is in that run's times)");
  cmd->add_option("--child-mode", o->child_mode)->group("");
  cmd->add_option("--child-out", o->child_out)->group("");
  cmd->callback([o] { run_bench_command(*o); });
}

}  // namespace atman::cli
