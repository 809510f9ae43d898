#include "atman/evaluator.hpp"

#include <c10/util/Exception.h>

#include <chrono>

#include "atman/batch_input.hpp"
#include "atman/batch_record.hpp"
#include "atman/bench.hpp"
#include "atman/device.hpp"
#include "atman/error.hpp"
#include "atman/explain_request.hpp"
#include "atman/utf8.hpp"

namespace atman {
namespace {

// One method on one record; throws with the stage's error code in `code`.
RecordEvaluation evaluate_method(const Model& model, InputPreparer& preparer, const BatchRecord& record,
                                 const EvalOptions& options, const std::string& method, std::string& code,
                                 bool& peak_reset) {
  code = "wrong_type";
  ExplainSettings settings = options.settings;
  settings.apply_overrides(record.fields);
  settings.method = method;
  ExplainRequest request;
  request.apply_settings(settings);
  request.apply_record(record.fields);
  code = "invalid_option";
  if (request.contrast) throw Error("eval scores the target alone: drop 'contrast'");
  const bool has_gold = record.fields.contains("gold"), document_gold = has_gold && !request.documents.empty();
  if (request.chat && has_gold && !document_gold) {
    throw Error("gold spans count characters of a plain prompt: chat records cannot carry 'gold' spans");
  }
  const ResolvedSettings resolved = resolve_settings(settings, model.transformer.config().num_hidden_layers);
  if (resolved.explain.units.explain_target) throw Error("eval removes prompt units only: drop --explain-target");
  code = "invalid_input";
  const ExplainInput input = preparer.prepare(request).input;
  std::vector<CharSpan> gold;
  std::vector<int64_t> gold_documents;
  if (document_gold) {
    gold_documents = parse_gold_documents(record.fields["gold"], static_cast<int64_t>(request.documents.size()));
  } else if (has_gold) {
    gold = parse_gold_spans(record.fields["gold"], count_code_points(record.prompt));
  }

  code = "explain_failed";
  RecordEvaluation r;
  r.id = record.id;
  peak_reset = reset_peak_rss() && peak_reset;
  const torch::Device device = model.transformer.device();
  reset_peak_device_memory(device);
  const auto start = std::chrono::steady_clock::now();
  const Explanation e = explain(model, input, resolved.explain, resolved.method);
  r.seconds = std::chrono::duration<double>(std::chrono::steady_clock::now() - start).count();
  r.peak_rss_bytes = peak_rss_bytes();
  if (device.is_cuda()) r.peak_device_bytes = peak_device_memory(device);
  r.units = static_cast<int64_t>(e.units.size());

  code = "eval_failed";
  r.curves = faithfulness_curves(model, input, e.units, e.total, options.removal, options.curve_steps);
  r.faithfulness = faithfulness_scores(r.curves);
  if (has_gold) {
    code = "invalid_gold";
    r.gold = gold_scores(e.total, document_gold ? gold_document_units(e.units, gold_documents) : gold_units(e.units, gold));
  }
  return r;
}

}  // namespace

EvalReport evaluate(const Model& model, std::istream& in, const EvalOptions& options,
                    const EvalProgressCallback& on_record) {
  if (options.methods.empty()) throw Error("--methods: name at least one method");
  for (const auto& m : options.methods) parse_method(m);
  EvalReport report;
  report.model_path = model.dir.string();
  report.model_config_hash = model_config_hash(model.dir);
  report.removal = options.removal;
  for (const auto& m : options.methods) report.methods.push_back({m, {}});
  int64_t records = 0, failed_records = 0;
  RecordReader reader(in);
  InputPreparer preparer(model);
  for (BatchRecord record; reader.next(record);) {
    ++records;
    const int64_t line = record.line;
    if (record.error) {
      report.failed.push_back({record.id, line, "", record.error->code, record.error->message});
      ++failed_records;
      if (on_record) on_record(records, failed_records);
      continue;
    }
    bool record_failed = false;
    for (auto& method : report.methods) {
      std::string code;
      try {
        method.records.push_back(
            evaluate_method(model, preparer, record, options, method.method, code, report.peak_rss_per_record));
      } catch (const c10::Error& e) {
        report.failed.push_back({record.id, line, method.method, code, std::string("libtorch: ") + e.what_without_backtrace()});
        record_failed = true;
      } catch (const std::exception& e) {
        report.failed.push_back({record.id, line, method.method, code, e.what()});
        record_failed = true;
      }
    }
    failed_records += record_failed;
    if (on_record) on_record(records, failed_records);
  }
  return report;
}

}  // namespace atman
