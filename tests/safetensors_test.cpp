// The safetensors reader and writer.
#include "atman/safetensors.hpp"

#include <fstream>

#include "support/test_support.hpp"

namespace atman::test {
namespace {

using ::testing::HasSubstr;

TEST(SafetensorsTest, RoundTripsEveryFloatDtypeAndShape) {
  TempDir tmp;
  auto a = torch::randn({3, 5});
  auto b = torch::randn({7}).to(torch::kFloat16);
  auto c = torch::randn({2, 2, 2}).to(torch::kBFloat16);
  auto scalar_like = torch::randn({1});
  write_safetensors(tmp.path() / "x.safetensors",
                    {{"a", a}, {"b", b}, {"c", c}, {"d", scalar_like}, {"t", a.t()}});
  auto file = SafetensorsFile::open(tmp.path() / "x.safetensors");
  EXPECT_EQ(file->entries().size(), 5u);
  EXPECT_EQ(file->entries().at("b").dtype, "F16");
  EXPECT_TRUE(torch::equal(file->tensor("a"), a));
  EXPECT_TRUE(torch::equal(file->tensor("b"), b));
  EXPECT_TRUE(torch::equal(file->tensor("c"), c));
  EXPECT_TRUE(torch::equal(file->tensor("d"), scalar_like));
  EXPECT_TRUE(torch::equal(file->tensor("t"), a.t()));  // non-contiguous input stored row-major
}

TEST(SafetensorsTest, HeaderIsPaddedSoDataIsAligned) {
  TempDir tmp;
  write_safetensors(tmp.path() / "x.safetensors", {{"odd_name_x", torch::ones({3})}});
  std::ifstream in(tmp.path() / "x.safetensors", std::ios::binary);
  uint64_t n = 0;
  in.read(reinterpret_cast<char*>(&n), 8);
  EXPECT_EQ((8 + n) % 8, 0u);
}

TEST(SafetensorsTest, TensorsOutliveTheFileObject) {
  TempDir tmp;
  auto a = torch::randn({64, 64});
  write_safetensors(tmp.path() / "x.safetensors", {{"a", a}});
  torch::Tensor view;
  {
    auto file = SafetensorsFile::open(tmp.path() / "x.safetensors");
    view = file->tensor("a");
  }
  EXPECT_TRUE(torch::equal(view, a));  // the mapping is held by the tensor
}

TEST(SafetensorsTest, WritesToAMappedTensorDoNotReachTheFile) {
  TempDir tmp;
  write_safetensors(tmp.path() / "x.safetensors", {{"a", torch::zeros({4})}});
  auto t = SafetensorsFile::open(tmp.path() / "x.safetensors")->tensor("a");
  t.fill_(5.0);
  EXPECT_TRUE(torch::equal(SafetensorsFile::open(tmp.path() / "x.safetensors")->tensor("a"),
                           torch::zeros({4})));
}

TEST(SafetensorsTest, InconsistentOffsetsAreReported) {
  TempDir tmp;
  const std::string header =
      R"({"w":{"dtype":"F32","shape":[2,2],"data_offsets":[0,12]}})";
  std::string bytes(8, '\0');
  bytes[0] = static_cast<char>(header.size());
  std::ofstream(tmp.path() / "bad.safetensors", std::ios::binary) << bytes << header << std::string(16, '\0');
  EXPECT_THAT(error_message([&] { SafetensorsFile::open(tmp.path() / "bad.safetensors"); }),
              HasSubstr("tensor 'w' of shape [2, 2] and dtype F32 needs 16 bytes but its offsets span 12"));
}

TEST(SafetensorsTest, UnsupportedDtypeFailsWhenReadNamingTheTensor) {
  TempDir tmp;
  const std::string header = R"({"w":{"dtype":"I8","shape":[4],"data_offsets":[0,4]}})";
  std::string bytes(8, '\0');
  bytes[0] = static_cast<char>(header.size());
  std::ofstream(tmp.path() / "i8.safetensors", std::ios::binary) << bytes << header << "abcd";
  auto file = SafetensorsFile::open(tmp.path() / "i8.safetensors");
  EXPECT_THAT(error_message([&] { file->tensor("w"); }), HasSubstr("tensor 'w' has unsupported dtype I8"));
}

TEST(SafetensorsTest, MissingFileIsReported) {
  EXPECT_THAT(error_message([] { SafetensorsFile::open("/nonexistent/model.safetensors"); }),
              HasSubstr("/nonexistent/model.safetensors: cannot open"));
}

}  // namespace
}  // namespace atman::test
