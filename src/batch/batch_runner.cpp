#include "atman/batch_runner.hpp"

#include <c10/util/Exception.h>

#include "atman/batch_input.hpp"
#include "atman/explain_request.hpp"
#include "atman/report.hpp"

namespace atman {

namespace {

nlohmann::ordered_json line_header(const BatchRecord& record, const nlohmann::ordered_json& run_info) {
  nlohmann::ordered_json j;
  j["id"] = record.id;
  j["line"] = record.line;
  if (!run_info.is_null()) j["batch"] = run_info;
  return j;
}

}  // namespace

nlohmann::ordered_json batch_result_json(const BatchRecord& record, const Explanation& e,
                                         const nlohmann::ordered_json& run_info) {
  nlohmann::ordered_json j = line_header(record, run_info);
  const auto explanation = explanation_to_json(e);
  for (const auto& [key, value] : explanation.items()) j[key] = value;
  return j;
}

nlohmann::ordered_json batch_error_json(const BatchRecord& record, const RecordError& error,
                                        const nlohmann::ordered_json& run_info) {
  nlohmann::ordered_json j = line_header(record, run_info);
  j["error"] = {{"code", error.code}, {"message", error.message}};
  return j;
}

nlohmann::ordered_json explain_record(const Model& model, InputPreparer& preparer, const BatchRecord& record,
                                      const ExplainSettings& defaults, const nlohmann::ordered_json& run_info) {
  if (record.error) return batch_error_json(record, *record.error, run_info);
  // Each stage has its own error code, so a data set's failures can be counted by cause.
  const char* stage = "wrong_type";
  try {
    ExplainSettings settings = defaults;
    settings.apply_overrides(record.fields);
    ExplainRequest request;
    request.apply_settings(settings);
    request.apply_record(record.fields);
    stage = "invalid_option";
    const ResolvedSettings resolved = resolve_settings(settings, model.transformer.config().num_hidden_layers);
    stage = "invalid_input";
    const PreparedInput prepared = preparer.prepare(request);
    stage = "explain_failed";
    return batch_result_json(record, explain_prepared(model, prepared, resolved.explain, resolved.method), run_info);
  } catch (const ChatTemplateError& e) {
    return batch_error_json(record, {"template_error", e.what()}, run_info);
  } catch (const c10::Error& e) {
    return batch_error_json(record, {stage, std::string("libtorch: ") + e.what_without_backtrace()}, run_info);
  } catch (const std::exception& e) {
    return batch_error_json(record, {stage, e.what()}, run_info);
  }
}

BatchProgress run_batch(const Model& model, std::istream& in, std::ostream& out, const BatchOptions& options,
                        const BatchProgressCallback& on_record) {
  BatchProgress progress;
  // Of each id so far: in the whole input, to refuse repeats as an unsharded run does (a repeat
  // of an id from another shard too), and in this shard, to skip the ones done (--resume).
  std::map<std::string, int64_t> occurrences;
  std::map<std::string, int64_t> shard_occurrences;
  RecordReader reader(in);
  InputPreparer preparer(model);  // one chat template for the whole run
  // Every record is read (other shards' only for their ids), so that a shard's lines are the
  // unsharded run's lines byte for byte.
  for (BatchRecord record; reader.next(record);) {
    const std::string key = id_key(record.id);
    const int64_t occurrence = ++occurrences[key];
    if (!options.shard.contains(record.line)) continue;
    const int64_t in_shard = ++shard_occurrences[key];
    if (const auto done = options.done_ids.find(key); done != options.done_ids.end() && in_shard <= done->second) {
      ++progress.skipped;
      if (on_record) on_record(progress);
      continue;
    }
    if (!record.error && occurrence > 1) {
      record.error = RecordError{"duplicate_id", "id " + key + " was already used by an earlier record"};
    }
    const auto result = explain_record(model, preparer, record, options.settings, options.run_info);
    ++(result.contains("error") ? progress.failed : progress.done);
    // replace: a message quoting broken input must not abort the run (a record's text is valid
    // UTF-8 after JSON parsing; messages are escaped where they are made).
    out << result.dump(-1, ' ', false, nlohmann::ordered_json::error_handler_t::replace) << '\n' << std::flush;
    if (on_record) on_record(progress);
  }
  return progress;
}

}  // namespace atman
