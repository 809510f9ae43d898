#include <spdlog/spdlog.h>

#include <fstream>
#include <iomanip>
#include <iostream>
#include <memory>
#include <nlohmann/json.hpp>

#include "atman/batch_input.hpp"
#include "atman/error.hpp"
#include "atman/head_importance.hpp"
#include "commands.hpp"
#include "model_options.hpp"
#include "atman/input_file.hpp"
#include "atman/output_file.hpp"

namespace atman::cli {
namespace {

struct HeadsOptions {
  ModelOptions model;
  std::string prompt, target, input;
  int64_t steps = 20;
  int64_t batch_size = 0;
  std::string format = "table";
  std::string output = "-";
};

void write_table(const HeadImportance& h, std::ostream& out) {
  const int64_t L = h.importance.size(0), H = h.importance.size(1);
  out << "# AttAttr head importance (max attribution, mean over " << h.examples << " example"
      << (h.examples == 1 ? "" : "s") << ")\nlayer";
  for (int64_t head = 0; head < H; ++head) out << "\th" << head;
  out << '\n';
  for (int64_t l = 0; l < L; ++l) {
    out << l;
    for (int64_t head = 0; head < H; ++head) {
      out << '\t' << std::setprecision(6) << h.importance[l][head].item<double>();
    }
    out << '\n';
  }
}

void run_heads(const HeadsOptions& o) {
  const GradientOptions gradient{o.steps, o.batch_size};
  check_options([&] {
    if (o.format != "table" && o.format != "json") throw Error("unknown format '" + o.format + "' (expected table, json)");
    if (o.input.empty() && (o.prompt.empty() || o.target.empty())) {
      throw Error("give --prompt and --target, or --input FILE.jsonl");
    }
    gradient.validate();
  });
  std::ifstream jsonl;
  if (!o.input.empty()) jsonl = open_input_file(o.input, "--input");
  OutputFile output(o.output);
  const Model model = load_model_for(o.model);

  HeadImportance heads;
  int64_t failed = 0;
  auto add = [&](const std::string& prompt, const std::string& target) {
    accumulate_head_importance(heads, attention_attribution(model, make_explain_input(model, prompt, target), gradient));
  };
  if (o.input.empty()) {
    add(o.prompt, o.target);
  } else {
    RecordReader reader(jsonl);  // the batch input format
    for (BatchRecord record; reader.next(record);) {
      try {
        if (record.error) throw Error(record.error->message);
        add(record.prompt, record.target);
      } catch (const std::exception& e) {
        ++failed;  // one bad record is reported and skipped; the others still count
        spdlog::error("{}:{}: {}", o.input, record.line, e.what());
      }
    }
  }
  if (heads.examples == 0) {  // only with --input: a single prompt either counts or has thrown
    const std::string why = failed == 0 ? "holds no records"
                                        : "has no usable record (all " + std::to_string(failed) + " failed, see above)";
    throw Error("--input '" + o.input + "' " + why + ": nothing to attribute");
  }
  if (o.format == "json") {
    nlohmann::json j = {{"schema", "atman.heads/v1"},
                        {"model", {{"path", model.dir.string()}, {"config_hash", model_config_hash(model.dir)}}},
                        {"method", "attattr"},
                        {"steps", o.steps},
                        {"examples", heads.examples},
                        {"importance", std::vector<std::vector<double>>()}};
    for (int64_t l = 0; l < heads.importance.size(0); ++l) {
      std::vector<double> row;
      for (int64_t h = 0; h < heads.importance.size(1); ++h) row.push_back(heads.importance[l][h].item<double>());
      j["importance"].push_back(row);
    }
    output.stream() << j.dump() << "\n";
  } else {
    write_table(heads, output.stream());
  }
  output.commit();
  if (failed > 0) throw Error(std::to_string(failed) + " record(s) of '" + o.input + "' failed (see above)");
}

}  // namespace

void setup_heads(CLI::App& app) {
  auto o = std::make_shared<HeadsOptions>();
  auto* cmd = app.add_subcommand("heads", "Per-layer, per-head importance by attention attribution (AttAttr)");
  add_model_options(cmd, o->model);
  cmd->add_option("--prompt", o->prompt, "one prompt");
  cmd->add_option("--target", o->target, "its target continuation");
  cmd->add_option("--input", o->input, "JSONL file of {\"prompt\", \"target\"} records to average over");
  cmd->add_option("--steps", o->steps, "path steps of the attribution")->capture_default_str();
  cmd->add_option("--batch-size", o->batch_size, "path steps per pass; 0 = all")->capture_default_str();
  cmd->add_option("--format", o->format, "table or json")->capture_default_str();
  cmd->add_option("--output,-o", o->output, "output file; - for stdout")->capture_default_str();
  cmd->callback([o] { run_heads(*o); });
}

}  // namespace atman::cli
