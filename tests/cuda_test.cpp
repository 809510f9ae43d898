// CUDA against the CPU: the same checkpoints computed in float32 on both must agree (the GPU runs
// cuBLAS with TF32 off, libtorch's default, so only summation order differs), and bfloat16 on
// the GPU must stay close. Skipped where this libtorch has no CUDA or no GPU is visible; the
// `cuda` label selects them (tools/device-check.sh).
#include <chrono>
#include <fstream>

#include <nlohmann/json.hpp>

#include "atman/atman_explainer.hpp"
#include "atman/device.hpp"
#include "atman/generate.hpp"
#include "atman/gradient_explainers.hpp"
#include "support/test_support.hpp"

namespace atman::test {
namespace {

const std::filesystem::path kModels = std::filesystem::path(ATMAN_SHARED_FIXTURES_DIR) / "models";
// Stated tolerance: CUDA float32 equals CPU float32 to 1e-4 (absolute) in logits and relevance.
constexpr double kFloat32Tolerance = 1e-4;

#define ATMAN_REQUIRE_CUDA()                                                                        \
  do {                                                                                             \
    if (!built_with_cuda()) GTEST_SKIP() << "this libtorch has no CUDA (" TORCH_VERSION ")";      \
    if (!torch::cuda::is_available()) GTEST_SKIP() << "no CUDA device is visible";                \
  } while (0)

double worst_difference(const std::vector<std::vector<double>>& a, const std::vector<std::vector<double>>& b) {
  EXPECT_EQ(a.size(), b.size());
  double worst = 0;
  for (size_t t = 0; t < a.size() && t < b.size(); ++t) {
    EXPECT_EQ(a[t].size(), b[t].size());
    for (size_t u = 0; u < a[t].size() && u < b[t].size(); ++u) worst = std::max(worst, std::abs(a[t][u] - b[t][u]));
  }
  return worst;
}

Model load_on(const std::filesystem::path& dir, torch::Device device, torch::ScalarType dtype) {
  LoadOptions options;
  options.device = device;
  options.dtype = dtype;
  return load_model(dir, options);
}

class CudaFamilyTest : public ::testing::TestWithParam<std::string> {};

TEST_P(CudaFamilyTest, Float32OnTheGpuEqualsFloat32OnTheCpu) {
  ATMAN_REQUIRE_FIXTURE(kModels / GetParam() / "expected.json");
  ATMAN_REQUIRE_CUDA();
  std::ifstream in(kModels / GetParam() / "expected.json");
  const auto e = nlohmann::json::parse(in);
  const Model cpu = load_on(kModels / GetParam(), torch::kCPU, torch::kFloat32);
  const Model gpu = load_on(kModels / GetParam(), torch::Device(torch::kCUDA, 0), torch::kFloat32);
  ASSERT_TRUE(gpu.transformer.device().is_cuda());
  ASSERT_TRUE(gpu.transformer.weights().layers[0].q_proj.is_cuda());

  // Every position's logits.
  const auto ids = torch::tensor(e["input_ids"].get<std::vector<int64_t>>()).unsqueeze(0);
  torch::NoGradGuard no_grad;
  const auto on_gpu = gpu.transformer.forward(ids);
  EXPECT_TRUE(on_gpu.is_cuda());
  const double logits_diff = max_abs_diff(cpu.transformer.forward(ids), on_gpu.cpu());
  EXPECT_LE(logits_diff, kFloat32Tolerance);

  // Greedy ids, through the KV cache.
  GenerateOptions greedy;
  greedy.max_new_tokens = static_cast<int64_t>(e["greedy"].size());
  greedy.stop_at_eos = false;
  const auto text = e["input_text"].get<std::string>();
  EXPECT_EQ(generate_greedy(gpu, text, greedy).new_ids, generate_greedy(cpu, text, greedy).new_ids);

  // AtMan with conceptual suppression (the cosine matrix is computed on the GPU), the reference
  // values included; a small batch size makes several batched passes with shared prefixes.
  const auto& a = e["atman_conceptual"];
  const ExplainInput input = make_explain_input(cpu, a["prompt_text"], a["target_text"]);
  AtmanOptions atman;
  atman.suppression.factor = a["factor"];
  atman.suppression.modify_factor = a["modify_by_cos"];
  atman.suppression.conceptual_threshold = a["conceptual_threshold"].get<double>();
  atman.batch_size = 3;
  const auto cpu_relevance = explain_atman(cpu, input, {}, atman).relevance;
  const auto gpu_relevance = explain_atman(gpu, input, {}, atman).relevance;
  const double relevance_diff = worst_difference(cpu_relevance, gpu_relevance);
  EXPECT_LE(relevance_diff, kFloat32Tolerance);
  std::vector<std::vector<double>> reference;
  for (const auto& row : a["relevance"]) reference.push_back(row.get<std::vector<double>>());
  EXPECT_LE(worst_difference(reference, gpu_relevance), kFloat32Tolerance);

  // The fused kernel on the GPU (scaled_dot_product_attention with libtorch 2.x) against the CPU's
  // explicit one.
  LoadOptions fused_options;
  fused_options.device = gpu.transformer.device();
  fused_options.attention = AttentionKernel::kFused;
  const Model fused = load_model(kModels / GetParam(), fused_options);
  const double fused_logits_diff = max_abs_diff(cpu.transformer.forward(ids), fused.transformer.forward(ids).cpu());
  EXPECT_LE(fused_logits_diff, kFloat32Tolerance);
  const double fused_relevance_diff = worst_difference(cpu_relevance, explain_atman(fused, input, {}, atman).relevance);
  EXPECT_LE(fused_relevance_diff, kFloat32Tolerance);

  // Integrated gradients: autograd on the GPU.
  GradientOptions ig;
  ig.steps = 4;
  const auto cpu_ig = explain_integrated_gradients(cpu, input, {}, ig).relevance;
  const auto gpu_ig = explain_integrated_gradients(gpu, input, {}, ig).relevance;
  EXPECT_LE(worst_difference(cpu_ig, gpu_ig), kFloat32Tolerance);
  std::cout << "[cuda " << GetParam() << "] float32 worst |logit diff| " << logits_diff << ", worst |relevance diff| "
            << relevance_diff << "; fused kernel " << fused_logits_diff << ", " << fused_relevance_diff << "\n";
}

INSTANTIATE_TEST_SUITE_P(Fixtures, CudaFamilyTest,
                         ::testing::Values("llama", "qwen2", "qwen3", "phi3", "gemma2", "gemma3", "olmo2"));

TEST(CudaTest, BFloat16OnTheGpuStaysCloseToFloat32AndCountsDeviceMemory) {
  ATMAN_REQUIRE_FIXTURE(kModels / "llama" / "expected.json");
  ATMAN_REQUIRE_CUDA();
  const torch::Device device(torch::kCUDA, 0);
  const Model cpu = load_on(kModels / "llama", torch::kCPU, torch::kFloat32);
  const Model gpu = load_on(kModels / "llama", device, resolve_dtype("auto", device));
  EXPECT_EQ(gpu.transformer.dtype(), torch::kBFloat16);
  const ExplainInput input = make_explain_input(cpu, "The quick brown fox jumps over the lazy", " dog");
  AtmanOptions atman;
  atman.suppression.conceptual_threshold = std::nullopt;
  reset_peak_device_memory(device);
  const auto gpu_relevance = explain_atman(gpu, input, {}, atman).relevance;
  const int64_t peak = peak_device_memory(device);
  EXPECT_GE(peak, gpu.transformer.parameter_bytes());  // the weights live there
  EXPECT_LT(peak, device_memory(device).total_bytes);
  const auto cpu_relevance = explain_atman(cpu, input, {}, atman).relevance;
  // bfloat16 keeps 8 bits of mantissa: relevance within 10% of the largest value (seen: 6.9%).
  double largest = 0;
  for (const auto& row : cpu_relevance) {
    for (double v : row) largest = std::max(largest, std::abs(v));
  }
  EXPECT_LE(worst_difference(cpu_relevance, gpu_relevance), 0.10 * largest + 1e-3);
  // The fused kernel in bfloat16, to the same bound.
  LoadOptions fused_options;
  fused_options.device = device;
  fused_options.dtype = torch::kBFloat16;
  fused_options.attention = AttentionKernel::kFused;
  const Model fused = load_model(kModels / "llama", fused_options);
  const double fused_diff = worst_difference(cpu_relevance, explain_atman(fused, input, {}, atman).relevance);
  EXPECT_LE(fused_diff, 0.10 * largest + 1e-3);
  std::cout << "[cuda bfloat16] worst |relevance diff| explicit " << worst_difference(cpu_relevance, gpu_relevance)
            << ", fused " << fused_diff << " (largest " << largest << ")\n";
}

TEST(CudaTest, DeviceNamesResolve) {
  ATMAN_REQUIRE_CUDA();
  EXPECT_TRUE(parse_device("auto").is_cuda());
  EXPECT_EQ(parse_device("cuda:0"), torch::Device(torch::kCUDA, 0));
  EXPECT_THAT(error_message([] { parse_device("cuda:99"); }), ::testing::HasSubstr("CUDA device(s) are visible"));
  const AcceleratorInfo info = accelerator_info();
  ASSERT_FALSE(info.gpus.empty());
  EXPECT_FALSE(info.cuda_runtime.empty());
  EXPECT_GT(matmul_tflops(torch::Device(torch::kCUDA, 0), torch::kBFloat16, 1024, 2), 0.0);
}

// A pass copies its ids, logit positions and edit up from the host. Those copies must not wait
// for the work already queued on the GPU (a plain .to() from pageable memory does), or the GPU
// runs dry between the passes of an explanation: a pass enqueued behind ~0.5 s of matmuls must
// return to the host long before they finish.
TEST(CudaTest, APassDoesNotWaitForWorkQueuedBeforeIt) {
  ATMAN_REQUIRE_FIXTURE(kModels / "llama" / "expected.json");
  ATMAN_REQUIRE_CUDA();
  const torch::Device device(torch::kCUDA, 0);
  const Model gpu = load_on(kModels / "llama", device, torch::kFloat32);
  torch::NoGradGuard no_grad;
  const auto ids = torch::arange(3, 43, torch::kInt64).unsqueeze(0);  // (1, 40), on the host
  AttentionEdit edit;
  edit.key_factors = torch::ones({1, 40});  // (1, S)
  edit.key_factors[0][7] = 0.1;             // one edited key: the sparse edit's columns go up too
  ForwardOptions options;
  options.edit = &edit;
  options.logit_positions = torch::arange(30, 40, torch::kInt64);
  const auto expected = gpu.transformer.forward(ids, options).cpu();  // also warms cuBLAS and the allocators

  using Clock = std::chrono::steady_clock;
  const auto seconds = [](Clock::duration d) { return std::chrono::duration<double>(d).count(); };
  const auto a = torch::randn({4096, 4096}, torch::TensorOptions().device(device));
  const auto start = Clock::now();
  for (int i = 0; i < 300; ++i) torch::matmul(a, a);  // queued, not yet run
  const auto logits = gpu.transformer.forward(ids, options);
  const auto returned = Clock::now();
  synchronize(device);
  const auto finished = Clock::now();
  std::cout << "[cuda async] the pass returned after " << seconds(returned - start) << " s of "
            << seconds(finished - start) << " s of queued work\n";
  ASSERT_GT(seconds(finished - start), 0.1) << "the queued matmuls were too quick to tell";
  EXPECT_LT(seconds(returned - start), 0.5 * seconds(finished - start));
  EXPECT_TRUE(torch::allclose(logits.cpu(), expected, 0, 1e-5));  // and it computed the same
}

// On a libtorch without CUDA the device layer answers plainly instead of failing oddly.
TEST(DeviceTest, CpuOnlyLibtorchRefusesCudaClearly) {
  EXPECT_EQ(parse_device("cpu"), torch::Device(torch::kCPU));
  EXPECT_EQ(default_dtype(torch::kCPU), torch::kFloat32);
  EXPECT_EQ(resolve_dtype("auto", torch::kCPU), torch::kFloat32);
  EXPECT_THAT(error_message([] { resolve_dtype("float16", torch::kCPU); }), ::testing::HasSubstr("not supported on CPU"));
  EXPECT_THAT(error_message([] { parse_device("gpu"); }), ::testing::HasSubstr("expected auto, cpu, cuda or cuda:N"));
  EXPECT_THAT(error_message([] { parse_device("cuda:x"); }), ::testing::HasSubstr("expected auto, cpu, cuda or cuda:N"));
  if (built_with_cuda()) GTEST_SKIP() << "this libtorch has CUDA";
  EXPECT_TRUE(parse_device("auto").is_cpu());
  EXPECT_THAT(error_message([] { parse_device("cuda"); }), ::testing::HasSubstr("without CUDA"));
  EXPECT_EQ(peak_device_memory(torch::kCPU), 0);
  EXPECT_FALSE(accelerator_info().built_with_cuda);
}

}  // namespace
}  // namespace atman::test
