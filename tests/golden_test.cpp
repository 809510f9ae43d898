// The embedded stories260K model against its known-good output (the oracle for the loader,
// the llama2.c conversion and the forward pass).
#include <fstream>
#include <sstream>

#include "atman/atman_explainer.hpp"
#include "atman/generate.hpp"
#include "atman/llama2c_import.hpp"
#include "atman/model.hpp"
#include "atman/safetensors.hpp"
#include "support/test_support.hpp"

namespace atman::test {
namespace {

// From ../shared/models/stories260K/README.md: greedy, 60 new tokens.
constexpr const char* kPrompt = "Once upon a time, there was a little girl named Lily.";
constexpr const char* kExpected =
    "Once upon a time, there was a little girl named Lily. She loved to play outside in the "
    "park. One day, she saw a big, red ball. She wanted to play with it, but it was too high.\n"
    "Lily's mom said, \"Lily, let";

class GoldenTest : public SeededTest {};

TEST_F(GoldenTest, GreedyGenerationReproducesTheKnownGoodText) {
  Model model = load_model(ATMAN_EMBEDDED_MODEL_DIR);
  GenerateOptions options;
  options.max_new_tokens = 60;
  Generation g = generate_greedy(model, kPrompt, options);
  EXPECT_EQ(g.new_ids.size(), 60u);
  EXPECT_EQ(g.text, kExpected);
}

TEST_F(GoldenTest, Bfloat16ComputeStillProducesTheSameStart) {
  LoadOptions half;
  half.dtype = torch::kBFloat16;
  Model model = load_model(ATMAN_EMBEDDED_MODEL_DIR, half);
  GenerateOptions options;
  options.max_new_tokens = 6;
  EXPECT_EQ(generate_greedy(model, kPrompt, options).text.rfind("Once upon a time", 0), 0u);
}

TEST_F(GoldenTest, ConvertingTheLlama2cCheckpointReproducesTheEmbeddedModel) {
  const std::filesystem::path shared = ATMAN_SHARED_STORIES_DIR;
  ATMAN_REQUIRE_FIXTURE(shared / "stories260K.bin");
  TempDir out;
  convert_llama2c({shared / "stories260K.bin", shared / "tok512.model", out.path()});
  auto fresh = SafetensorsFile::open(out.path() / "model.safetensors");
  auto embedded = SafetensorsFile::open(std::filesystem::path(ATMAN_EMBEDDED_MODEL_DIR) / "model.safetensors");
  ASSERT_EQ(fresh->entries().size(), embedded->entries().size());
  for (const auto& [name, entry] : embedded->entries()) {
    EXPECT_TRUE(torch::equal(fresh->tensor(name), embedded->tensor(name))) << name;
  }
  Model model = load_model(out.path());
  GenerateOptions options;
  options.max_new_tokens = 60;
  EXPECT_EQ(generate_greedy(model, kPrompt, options).text, kExpected);
}

TEST_F(GoldenTest, ConversionRejectsATruncatedCheckpoint) {
  const std::filesystem::path shared = ATMAN_SHARED_STORIES_DIR;
  ATMAN_REQUIRE_FIXTURE(shared / "stories260K.bin");
  TempDir tmp;
  std::ifstream in(shared / "stories260K.bin", std::ios::binary);
  std::string head(5000, '\0');
  in.read(head.data(), 5000);
  std::ofstream(tmp.path() / "cut.bin", std::ios::binary) << head;
  EXPECT_THAT(error_message([&] {
                convert_llama2c({tmp.path() / "cut.bin", shared / "tok512.model", tmp.path() / "out"});
              }),
              ::testing::HasSubstr("cut.bin: file is 5000 bytes but its header implies 1056540"));
}

}  // namespace
}  // namespace atman::test

namespace atman::test {
namespace {

TEST_F(GoldenTest, TomIsExplainedByTheFirstPieceOfTom) {
  // The acceptance example: token units, no conceptual co-suppression.
  Model model = load_model(ATMAN_EMBEDDED_MODEL_DIR);
  const auto input = make_explain_input(model, "Once upon a time, there was a little boy named Tom. One day,",
                                        " Tom went to the park");
  AtmanOptions atman;
  atman.suppression.conceptual_threshold = std::nullopt;
  const Explanation e = explain_atman(model, input, {}, atman);
  const Unit& top = e.units[static_cast<size_t>(e.ranking().front())];
  ASSERT_EQ(top.token_indices.size(), 1u);
  const Token& token = input.input_token(top.token_indices.front());
  EXPECT_EQ(token.piece, "\xE2\x96\x81T");  // "▁T"
  EXPECT_EQ(top.text, " T");
  // It is the first "T" of the prompt: the one in "Tom".
  EXPECT_EQ(top.start, static_cast<int64_t>(input.prompt.find(" Tom")));
}

}  // namespace
}  // namespace atman::test
