#pragma once
// What a user chooses for one explanation, as typed on the command line or overridden by a
// JSONL record, kept as plain values until resolved into the options each method takes.
// `explain`, `batch`, `check` and `eval` share it, so a record explained in a batch is
// explained exactly as `atman explain` with the same flags would explain it.
#include <cstdint>
#include <optional>
#include <string>

#include <nlohmann/json.hpp>

#include "atman/documents.hpp"
#include "atman/explain.hpp"

namespace atman {

struct ExplainSettings {
  std::string method = "atman";              // atman | ig | ixg | attattr
  int64_t steps = 20;                        // path steps of ig and attattr, >= 1
  double factor = 0.1;                       // AtMan suppression factor, in [0, 100] (> 1 amplifies)
  std::string suppression = "min-shift";     // min-shift | log-additive
  std::string conceptual_threshold = "0.7";  // number in [0, 1], or "off"
  bool modify_factor = true;                 // co-suppressed neighbours get the cosine-scaled factor
  std::string layers = "all";                // AtMan: edited layers, e.g. "0,2,4-7"
  std::string granularity = "token";         // token | word | sentence | paragraph
  std::string delimiter;                     // custom units when non-empty
  std::string refine;                        // "K[:GRANULARITY]": coarse-to-fine; empty = off
  bool explain_target = false;
  std::string postprocess = "none";          // none | absolute | square
  bool normalize = false;
  int64_t batch_size = 0;        // atman: rows per pass (0 = from memory); ig/attattr: steps per pass (0 = all)
  int64_t max_memory_bytes = 0;  // AtMan activation budget of one pass; 0 = auto
  bool naive = false;            // AtMan reference mode
  bool split_special = false;    // special-token text in prompt/target is plain text
  std::string document_template = kDefaultDocumentTemplate;  // how each document is written before the question

  // Applies the per-record overrides a JSONL record may carry: `method`, `granularity`,
  // `delimiter`, `factor`, `suppression`, `conceptual_threshold` (a number, or "off"/null), `steps`,
  // `split_special`, `document_template` and `refine`.
  // Throws atman::Error naming the field when one has the wrong type.
  void apply_overrides(const nlohmann::json& record);
};

struct ResolvedSettings {
  ExplainOptions explain;
  MethodOptions method;
};

// Validates every choice and turns it into options. Layer lists need the model's depth: with
// `num_layers` absent they are checked once a model is loaded (call again with it).
ResolvedSettings resolve_settings(const ExplainSettings& settings, std::optional<int64_t> num_layers);

// "0.7" -> 0.7, "off" -> nullopt; throws for anything else.
std::optional<double> parse_conceptual_threshold(const std::string& text);

}  // namespace atman
