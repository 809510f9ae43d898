// atman merge: joins the outputs of `atman batch --shard K/N` back into input order.
#include <spdlog/spdlog.h>

#include <fstream>
#include <memory>

#include "atman/batch_output.hpp"
#include "commands.hpp"
#include "atman/output_file.hpp"

namespace atman::cli {
namespace {

struct MergeOptions {
  std::vector<std::string> shards;
  std::string output = "-";
};

void run_merge(const MergeOptions& o) {
  OutputFile output(o.output);
  const std::vector<std::filesystem::path> paths(o.shards.begin(), o.shards.end());
  std::vector<std::string> warnings;
  for (const auto& line : merge_shard_outputs(paths, &warnings)) output.stream() << line << '\n';
  output.commit();
  for (const auto& warning : warnings) spdlog::warn("{}", warning);
}

}  // namespace

void setup_merge(CLI::App& app) {
  auto o = std::make_shared<MergeOptions>();
  auto* cmd = app.add_subcommand("merge", "Merge shard outputs of atman batch into input order");
  cmd->add_option("shards", o->shards, "shard output files (JSONL)")->required();
  cmd->add_option("--output,-o", o->output, "merged JSONL; - for stdout")->capture_default_str();
  cmd->callback([o] { run_merge(*o); });
}

}  // namespace atman::cli
