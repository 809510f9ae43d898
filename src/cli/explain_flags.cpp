#include "explain_flags.hpp"

#include "byte_size.hpp"

namespace atman::cli {

ExplainSettings ExplainFlags::to_settings() const {
  ExplainSettings s = settings;
  s.modify_factor = !no_modify_factor;
  s.max_memory_bytes = parse_byte_size(max_memory, "--max-memory");
  return s;
}

void add_explain_flags(CLI::App* cmd, ExplainFlags& f, bool with_method) {
  ExplainSettings& s = f.settings;
  if (with_method) {
    cmd->add_option("--method", s.method,
                    "atman (attention manipulation), ig (integrated gradients), ixg (input x gradient), "
                    "attattr (attention attribution)")
        ->capture_default_str();
  }
  cmd->add_option("--steps", s.steps, "path steps of ig and attattr")->capture_default_str();
  cmd->add_option("--factor", s.factor,
                  "attention to a suppressed unit is multiplied by this, in [0, 100]; above 1 amplifies")
      ->capture_default_str();
  cmd->add_option("--suppression", s.suppression,
                  "how the factor edits pre-softmax scores: min-shift ((s - min s) * f, AtMan) or log-additive "
                  "(s + log f, Aleph Alpha's API)")
      ->capture_default_str();
  cmd->add_option("--conceptual-threshold", s.conceptual_threshold,
                  "co-suppress positions whose embedding cosine is >= this, in [0, 1]; 'off' disables")
      ->capture_default_str();
  cmd->add_flag("--no-modify-factor", f.no_modify_factor,
                "co-suppressed neighbours get --factor instead of the cosine-scaled factor");
  cmd->add_option("--layers", s.layers, "layers whose attention is edited, e.g. 0,2,4-7, or 'all'")
      ->capture_default_str();
  cmd->add_option("--granularity", s.granularity, "units: token, word, sentence, paragraph, message (each chat message's content; with --chat), document "
                  "(each document; with --document or a record's \"documents\"), or auto "
                  "(the coarsest of paragraph/sentence/word giving at least 30 units, else token)")
      ->capture_default_str();
  cmd->add_option("--refine", s.refine,
                  "coarse-to-fine (atman): explain the units, then only inside the K most relevant of them at a finer "
                  "granularity, K[:GRANULARITY] (default one step finer, e.g. paragraph -> sentence)");
  cmd->add_option("--delimiter", s.delimiter, "custom units: split the text after each occurrence of STR");
  cmd->add_flag("--explain-target", s.explain_target, "also explain target tokens by earlier target tokens");
  cmd->add_option("--postprocess", s.postprocess,
                  "applied to each relevance value before summing over target tokens: none, absolute, square")
      ->capture_default_str();
  cmd->add_flag("--normalize", s.normalize, "scale totals so that the largest |total| is 1");
  cmd->add_option("--batch-size", s.batch_size,
                  "atman: suppression rows per pass, 0 = from --max-memory; ig/attattr: path steps per pass, 0 = all")
      ->capture_default_str();
  cmd->add_option("--max-memory", f.max_memory,
                  "activation budget of one batched pass (e.g. 512M, 2G); auto = one plain forward pass, at least 64M")
      ->capture_default_str();
  cmd->add_flag("--split-special", s.split_special,
                "tokenize special-token text in the prompt and target as plain text (split_special_tokens)");
  cmd->add_option("--document-template", s.document_template,
                  "how each document is written before the question: {document} is its text, {number} its 1-based "
                  "number (default: blank-line separated)")
      ->default_str("'{document}\\n\\n'");  // shown escaped: the real newlines would break the help's layout
  cmd->add_flag("--naive", s.naive, "reference mode: recompute every position and all logits for every row");
}

}  // namespace atman::cli
