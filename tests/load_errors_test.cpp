// Every way a model directory can be broken gives one clear atman::Error naming the culprit.
#include <fcntl.h>
#include <sys/stat.h>
#include <unistd.h>

#include <chrono>
#include <fstream>
#include <future>
#include <nlohmann/json.hpp>

#include "atman/error.hpp"
#include "atman/generate.hpp"
#include "atman/model.hpp"
#include "atman/safetensors.hpp"
#include "support/test_support.hpp"

#ifndef ATMAN_TEST_DATA_DIR
#error "ATMAN_TEST_DATA_DIR must point at tests/data"
#endif
#ifndef ATMAN_EMBEDDED_MODEL_DIR
#error "ATMAN_EMBEDDED_MODEL_DIR must point at models/stories260K"
#endif

namespace atman::test {
namespace {

using ::testing::HasSubstr;

class LoadErrorsTest : public SeededTest {
 protected:
  void SetUp() override {
    SeededTest::SetUp();
    save_checkpoint(dir(), config, random_weights(config, 1, 0.5));
  }
  const std::filesystem::path& dir() const { return tmp.path(); }
  std::filesystem::path weights_file() const { return dir() / "model.safetensors"; }

  std::string load_error() {
    return error_message([&] { load_transformer(dir()); });
  }
  void write_file(const std::filesystem::path& p, const std::string& text) {
    std::ofstream(p, std::ios::binary | std::ios::trunc) << text;
  }
  void edit_config(const std::function<void(nlohmann::json&)>& change) {
    std::ifstream in(dir() / "config.json");
    auto j = nlohmann::json::parse(in);
    change(j);
    write_file(dir() / "config.json", j.dump());
  }
  // Rewrites model.safetensors with the tensors `change` leaves.
  void edit_tensors(
      const std::function<void(std::vector<std::pair<std::string, torch::Tensor>>&)>& change) {
    auto file = SafetensorsFile::open(weights_file());
    std::vector<std::pair<std::string, torch::Tensor>> tensors;
    for (const auto& [name, entry] : file->entries())
      tensors.emplace_back(name, file->tensor(name).clone());
    file.reset();
    change(tensors);
    write_safetensors(weights_file(), tensors);
  }

  // Replaces `path` with a FIFO and loads. Should the loader block on it, the test fails
  // instead of hanging: opening and closing the writing end hands the reader an EOF.
  std::string load_error_with_fifo(const std::filesystem::path& path) {
    std::filesystem::remove(path);
    EXPECT_EQ(::mkfifo(path.c_str(), 0600), 0);
    auto result = std::async(std::launch::async, [&] { return load_error(); });
    if (result.wait_for(std::chrono::seconds(10)) != std::future_status::ready) {
      ADD_FAILURE() << "loading blocked on the FIFO " << path;
      while (result.wait_for(std::chrono::milliseconds(100)) != std::future_status::ready) {
        const int fd = ::open(path.c_str(), O_WRONLY | O_NONBLOCK);
        if (fd >= 0) ::close(fd);
      }
    }
    return result.get();
  }
  void save_two_shards() {
    std::filesystem::remove(weights_file());
    SaveOptions two;
    two.num_shards = 2;
    save_checkpoint(dir(), config, random_weights(config, 1, 0.5), two);
  }

  ModelConfig config = tiny_config();
  TempDir tmp;
};

TEST_F(LoadErrorsTest, MissingDirectory) {
  auto msg = error_message([&] { load_transformer(dir() / "nope"); });
  EXPECT_THAT(msg, HasSubstr("nope"));
  EXPECT_THAT(msg, HasSubstr("does not exist"));
}

TEST_F(LoadErrorsTest, MissingConfig) {
  std::filesystem::remove(dir() / "config.json");
  auto msg = load_error();
  EXPECT_THAT(msg, HasSubstr("config.json"));
  EXPECT_THAT(msg, HasSubstr("cannot open"));
}

TEST_F(LoadErrorsTest, MalformedConfig) {
  write_file(dir() / "config.json", "{\"model_type\": \"llama\", ");
  auto msg = load_error();
  EXPECT_THAT(msg, HasSubstr("config.json"));
  EXPECT_THAT(msg, HasSubstr("malformed JSON"));
}

TEST_F(LoadErrorsTest, ConfigNumberBeyondDoubleIsMalformedJson) {
  write_file(dir() / "config.json", R"({"model_type": "llama", "vocab_size": 1e999})");
  auto msg = load_error();
  EXPECT_THAT(msg, HasSubstr("config.json: malformed JSON"));
  EXPECT_THAT(msg, HasSubstr("number overflow"));
}

TEST_F(LoadErrorsTest, ConfigMissingAField) {
  edit_config([](nlohmann::json& j) { j.erase("hidden_size"); });
  EXPECT_THAT(load_error(), HasSubstr("missing required field 'hidden_size'"));
}

TEST_F(LoadErrorsTest, ConfigFieldOfTheWrongType) {
  edit_config([](nlohmann::json& j) { j["num_hidden_layers"] = "two"; });
  EXPECT_THAT(load_error(), HasSubstr("'num_hidden_layers' must be an integer"));
}

TEST_F(LoadErrorsTest, UnknownModelType) {
  edit_config([](nlohmann::json& j) { j["model_type"] = "gpt2"; });
  auto msg = load_error();
  EXPECT_THAT(msg, HasSubstr("config.json"));
  EXPECT_THAT(msg, HasSubstr("unsupported model_type 'gpt2'"));
}

TEST_F(LoadErrorsTest, HeadsNotDivisibleByKeyValueHeads) {
  edit_config([](nlohmann::json& j) { j["num_key_value_heads"] = 3; });
  EXPECT_THAT(load_error(), HasSubstr("multiple of num_key_value_heads"));
}

TEST_F(LoadErrorsTest, MissingTensor) {
  edit_tensors([](auto& tensors) {
    tensors.erase(
        std::remove_if(tensors.begin(), tensors.end(),
                       [](auto& t) { return t.first == "model.layers.1.mlp.up_proj.weight"; }),
        tensors.end());
  });
  EXPECT_THAT(load_error(), HasSubstr("missing tensor 'model.layers.1.mlp.up_proj.weight'"));
}

// A bias the config does not announce: the weights describe another computation.
TEST_F(LoadErrorsTest, DecoderTensorWithoutAPlaceIsRefused) {
  edit_tensors([](auto& tensors) { tensors.emplace_back("model.layers.0.self_attn.q_proj.bias", torch::zeros({8})); });
  EXPECT_THAT(load_error(), HasSubstr("tensor 'model.layers.0.self_attn.q_proj.bias' has no place in a llama model"));
}

// Older exports saved the rotary buffer; a multimodal checkpoint holds a vision tower: neither
// is a weight of the decoder atman computes.
TEST_F(LoadErrorsTest, RotaryBuffersAndTensorsOutsideTheDecoderAreIgnored) {
  edit_tensors([](auto& tensors) {
    tensors.emplace_back("model.layers.0.self_attn.rotary_emb.inv_freq", torch::zeros({1}));
    tensors.emplace_back("vision_tower.encoder.weight", torch::zeros({2}));
  });
  EXPECT_NO_THROW(load_transformer(dir()));
}

TEST_F(LoadErrorsTest, TensorOfTheWrongShape) {
  edit_tensors([](auto& tensors) {
    for (auto& [name, t] : tensors) {
      if (name == "model.layers.0.self_attn.k_proj.weight") t = torch::zeros({3, 8});
    }
  });
  auto msg = load_error();
  EXPECT_THAT(msg, HasSubstr("model.layers.0.self_attn.k_proj.weight"));
  EXPECT_THAT(msg, HasSubstr("has shape [3, 8], expected [4, 8]"));
}

TEST_F(LoadErrorsTest, TruncatedSafetensors) {
  std::filesystem::resize_file(weights_file(), std::filesystem::file_size(weights_file()) - 100);
  auto msg = load_error();
  EXPECT_THAT(msg, HasSubstr("model.safetensors"));
  EXPECT_THAT(msg, HasSubstr("truncated"));
}

TEST_F(LoadErrorsTest, HeaderLengthLargerThanTheFile) {
  std::fstream f(weights_file(), std::ios::in | std::ios::out | std::ios::binary);
  const uint64_t huge = 1ull << 40;
  f.write(reinterpret_cast<const char*>(&huge), 8);  // little-endian on x86-64
  f.close();
  auto msg = load_error();
  EXPECT_THAT(msg, HasSubstr("model.safetensors"));
  EXPECT_THAT(msg, HasSubstr("header length 1099511627776 is larger than the file"));
}

TEST_F(LoadErrorsTest, FileShorterThanTheHeaderLength) {
  write_file(weights_file(), "abc");
  EXPECT_THAT(load_error(), HasSubstr("shorter than the 8-byte header length"));
}

TEST_F(LoadErrorsTest, GarbageHeader) {
  std::string bytes(8, '\0');
  bytes[0] = 5;
  write_file(weights_file(), bytes + "nope!" + std::string(16, 'x'));
  EXPECT_THAT(load_error(), HasSubstr("malformed safetensors header"));
}

TEST_F(LoadErrorsTest, NoWeightsAtAll) {
  std::filesystem::remove(weights_file());
  EXPECT_THAT(load_error(), HasSubstr("no model.safetensors or model.safetensors.index.json"));
}

TEST_F(LoadErrorsTest, ShardListedInTheIndexIsMissing) {
  std::filesystem::remove(weights_file());
  SaveOptions two;
  two.num_shards = 2;
  save_checkpoint(dir(), config, random_weights(config, 1, 0.5), two);
  std::filesystem::remove(dir() / "model-00002-of-00002.safetensors");
  EXPECT_THAT(load_error(), HasSubstr("model-00002-of-00002.safetensors: cannot open"));
}

TEST_F(LoadErrorsTest, ConfigThatIsAFifoIsRefusedWithoutBlocking) {
  auto msg = load_error_with_fifo(dir() / "config.json");
  EXPECT_THAT(msg, HasSubstr((dir() / "config.json").string() + ": not a regular file"));
}

TEST_F(LoadErrorsTest, WeightsFileThatIsAFifoIsRefusedWithoutBlocking) {
  EXPECT_THAT(load_error_with_fifo(weights_file()),
              HasSubstr(weights_file().string() + ": not a regular file"));
}

TEST_F(LoadErrorsTest, IndexThatIsAFifoIsRefusedWithoutBlocking) {
  save_two_shards();
  const auto index = dir() / "model.safetensors.index.json";
  EXPECT_THAT(load_error_with_fifo(index), HasSubstr(index.string() + ": not a regular file"));
}

TEST_F(LoadErrorsTest, ShardThatIsAFifoIsRefusedWithoutBlocking) {
  save_two_shards();
  const auto shard = dir() / "model-00002-of-00002.safetensors";
  EXPECT_THAT(load_error_with_fifo(shard), HasSubstr(shard.string() + ": not a regular file"));
}

TEST_F(LoadErrorsTest, ConfigThatIsADirectoryIsNamed) {
  std::filesystem::remove(dir() / "config.json");
  std::filesystem::create_directory(dir() / "config.json");
  EXPECT_THAT(load_error(), HasSubstr((dir() / "config.json").string() + ": not a regular file"));
}

TEST_F(LoadErrorsTest, ShardOutsideTheModelDirectoryIsRefused) {
  save_two_shards();
  const auto inner = dir() / "inner";
  std::filesystem::create_directory(inner);
  std::filesystem::copy_file(dir() / "config.json", inner / "config.json");
  // Both would load without the check: the shards really are there.
  for (const std::string& prefix : {std::string("../"), dir().string() + "/"}) {
    std::ifstream in(dir() / "model.safetensors.index.json");
    auto index = nlohmann::json::parse(in);
    for (auto& item : index["weight_map"].items())
      item.value() = prefix + item.value().get<std::string>();
    write_file(inner / "model.safetensors.index.json", index.dump());
    auto msg = error_message([&] { load_transformer(inner); });
    EXPECT_THAT(
        msg, HasSubstr((inner / "model.safetensors.index.json").string() + ": weight_map entry"));
    EXPECT_THAT(msg, HasSubstr("names shard '" + prefix + "model-0000"));
    EXPECT_THAT(msg, HasSubstr("outside the model directory"));
  }
}

TEST_F(LoadErrorsTest, HugeLayerCountIsRefusedBeforeAllocating) {
  for (int64_t layers : {int64_t{30000000}, int64_t{1} << 40}) {
    edit_config([&](nlohmann::json& j) { j["num_hidden_layers"] = layers; });
    EXPECT_THAT(load_error(),
                HasSubstr((dir() / "config.json").string() + ": num_hidden_layers is " +
                          std::to_string(layers) + " but the checkpoint holds 2 layers"));
  }
}

TEST_F(LoadErrorsTest, ConfigWithMoreLayersThanTheCheckpointNamesTheMissingLayer) {
  edit_config([](nlohmann::json& j) { j["num_hidden_layers"] = 3; });
  EXPECT_THAT(load_error(), HasSubstr("holds 2 layers (no tensor 'model.layers.2.*')"));
}

TEST_F(LoadErrorsTest, ConfigWithFewerLayersThanTheCheckpointNamesTheExtraTensor) {
  edit_config([](nlohmann::json& j) { j["num_hidden_layers"] = 1; });
  auto msg = load_error();
  EXPECT_THAT(msg, HasSubstr("config.json: num_hidden_layers is 1 but the checkpoint has tensor "
                             "'model.layers.1."));
  EXPECT_THAT(msg, HasSubstr("' of layer 1"));
}

TEST_F(LoadErrorsTest, IntegerWeightsAreRefusedNotConverted) {
  edit_tensors([](auto& tensors) {
    for (auto& [name, t] : tensors) {
      if (name == "model.layers.0.mlp.up_proj.weight") t = torch::ones({12, 8}, torch::kInt64);
    }
  });
  auto msg = load_error();
  EXPECT_THAT(
      msg,
      HasSubstr("model.safetensors: tensor 'model.layers.0.mlp.up_proj.weight' has dtype I64"));
  EXPECT_THAT(msg, HasSubstr("expected a floating-point dtype"));
}

TEST_F(LoadErrorsTest, MissingTokenizerNamesTheFile) {
  auto msg = error_message([&] { load_model(dir()); });
  EXPECT_THAT(msg, HasSubstr("loading model '" + dir().string() + "'"));
  EXPECT_THAT(msg, HasSubstr("tokenizer.model: tokenizer file not found"));
}

TEST_F(LoadErrorsTest, CorruptTokenizerNamesTheFile) {
  write_file(dir() / "tokenizer.model", "this is not a sentencepiece model");
  EXPECT_THAT(error_message([&] { load_model(dir()); }),
              HasSubstr("tokenizer.model: not a valid SentencePiece model"));
}

TEST_F(LoadErrorsTest, ShippedBrokenModelFixtureFailsToLoad) {
  // tests/data/broken_model: a real config and tokenizer with a truncated weights file.
  auto msg = error_message(
      [&] { load_model(std::filesystem::path(ATMAN_TEST_DATA_DIR) / "broken_model"); });
  EXPECT_THAT(msg, HasSubstr("broken_model/model.safetensors"));
  EXPECT_THAT(msg, HasSubstr("truncated"));
}

TEST_F(LoadErrorsTest, PromptLongerThanTheModelIsRejectedBeforeAnyForwardPass) {
  Model model = load_model(ATMAN_EMBEDDED_MODEL_DIR);
  std::string prompt;
  for (int i = 0; i < 600; ++i) prompt += " Lily";  // > 512 tokens
  auto msg = error_message([&] { generate_greedy(model, prompt); });
  EXPECT_THAT(msg, HasSubstr("prompt is"));
  EXPECT_THAT(msg, HasSubstr("longer than the model's max_position_embeddings (512)"));
}

}  // namespace
}  // namespace atman::test
