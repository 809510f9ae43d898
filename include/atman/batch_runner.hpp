#pragma once
// Explains a JSONL data set record by record with one loaded model. Each record's result (an
// atman.explanation/v1 object with "id" and "line" first) or error object is written and
// flushed as soon as it is done, in input order, so a killed run loses at most the record in
// flight and --resume can pick up after it.
#include <cstdint>
#include <functional>
#include <istream>
#include <ostream>
#include <map>
#include <string>

#include <nlohmann/json.hpp>

#include "atman/batch_record.hpp"
#include "atman/explain_settings.hpp"
#include "atman/model.hpp"

namespace atman {

struct BatchOptions {
  ExplainSettings settings;           // defaults; records may override some fields
  Shard shard;                        // records of other shards are left out
  // --resume: id_key() -> records with that id already in the output; the first that many
  // records with the id are skipped.
  std::map<std::string, int64_t> done_ids;
  // Written into every line after "id" and "line" as "batch" (see batch_input.hpp); null: none.
  nlohmann::ordered_json run_info;
};

struct BatchProgress {
  int64_t done = 0;     // explained
  int64_t failed = 0;   // error lines written
  int64_t skipped = 0;  // already in the output (--resume)
};

// Called after each record that was written or skipped.
using BatchProgressCallback = std::function<void(const BatchProgress&)>;

BatchProgress run_batch(const Model& model, std::istream& in, std::ostream& out, const BatchOptions& options,
                        const BatchProgressCallback& on_record = {});

// The output line of one record: its explanation, or its error; `run_info` (when not null) is
// its "batch" field.
nlohmann::ordered_json batch_result_json(const BatchRecord& record, const Explanation& e,
                                         const nlohmann::ordered_json& run_info = nullptr);
nlohmann::ordered_json batch_error_json(const BatchRecord& record, const RecordError& error,
                                        const nlohmann::ordered_json& run_info = nullptr);

// The result of one record, or the error it ends in (never throws for a record's own fault).
nlohmann::ordered_json explain_record(const Model& model, const BatchRecord& record, const ExplainSettings& defaults,
                                      const nlohmann::ordered_json& run_info = nullptr);

}  // namespace atman
