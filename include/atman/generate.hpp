#pragma once
// Greedy decoding: a sanity tool that shows the loaded model computes what it should.
#include <cstdint>
#include <string>
#include <vector>

#include "atman/model.hpp"

namespace atman {

struct GenerateOptions {
  int64_t max_new_tokens = 60;  // tokens to append, >= 0
  bool stop_at_eos = true;      // end early when the model emits EOS or one of stop_ids
  std::vector<int64_t> stop_ids;  // more ids that end generation (a chat template's end of turn)
};

struct Generation {
  std::vector<int64_t> prompt_ids;  // including BOS
  std::vector<int64_t> new_ids;     // generated tokens
  std::string text;                 // decoded prompt + continuation
};

Generation generate_greedy(const Model& model, const std::string& prompt,
                           const GenerateOptions& options = {});

// The ids greedy decoding appends to `prompt_ids` (which fit the model's context), the stop id
// not included.
std::vector<int64_t> generate_greedy_ids(const Model& model, const std::vector<int64_t>& prompt_ids,
                                         const GenerateOptions& options);

}  // namespace atman
