#include "atman/rope.hpp"

#include <cmath>

namespace atman {
namespace {

// Llama 3.1's scaling: wavelengths longer than the training context / low_freq_factor are
// stretched by `factor`, shorter than context / high_freq_factor kept, and those between
// interpolated smoothly. All in float32, as the reference computes it.
torch::Tensor llama3_scaled(const torch::Tensor& inv_freq, const RopeScaling& s) {
  const double context = static_cast<double>(s.original_max_position_embeddings);
  const double low_freq_wavelen = context / s.low_freq_factor;
  const double high_freq_wavelen = context / s.high_freq_factor;
  const auto wavelen = 2 * M_PI / inv_freq;                                                // (hd/2)
  auto scaled = torch::where(wavelen > low_freq_wavelen, inv_freq / s.factor, inv_freq);  // (hd/2)
  const auto smooth = (context / wavelen - s.low_freq_factor) / (s.high_freq_factor - s.low_freq_factor);
  const auto smoothed = (1 - smooth) * scaled / s.factor + smooth * scaled;
  const auto medium = (wavelen >= high_freq_wavelen).logical_and(wavelen <= low_freq_wavelen);
  return torch::where(medium, smoothed, scaled);
}

// (rd/2): 1 / theta^(2i / rd), in float32.
torch::Tensor unscaled_frequencies(int64_t rotary_dim, double theta) {
  const auto exponents = torch::arange(0, rotary_dim, 2, torch::kInt64).to(torch::kFloat32) / static_cast<double>(rotary_dim);
  return 1.0 / torch::pow(static_cast<float>(theta), exponents);
}

}  // namespace

torch::Tensor rope_inverse_frequencies(const ModelConfig& config) {
  const auto inv_freq = unscaled_frequencies(config.rotary_dim(), config.rope_theta);  // (rd/2)
  const RopeScaling& s = config.rope_scaling;
  if (s.type == "linear") return inv_freq / s.factor;
  if (s.type == "llama3") return llama3_scaled(inv_freq, s);
  return inv_freq;
}

torch::Tensor local_rope_inverse_frequencies(const ModelConfig& config) {
  if (config.local_rope_theta <= 0) return {};
  return unscaled_frequencies(config.rotary_dim(), config.local_rope_theta);
}

}  // namespace atman
