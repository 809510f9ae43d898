// The safetensors reader and writer.
#include "atman/safetensors.hpp"

#include <fstream>

#include "support/test_support.hpp"

namespace atman::test {
namespace {

using ::testing::HasSubstr;

// A safetensors file with the given header text and data bytes.
std::filesystem::path write_raw(const TempDir& tmp, const std::string& header,
                                const std::string& data) {
  std::string length(8, '\0');
  for (int i = 0; i < 8; ++i) length[i] = static_cast<char>(header.size() >> (8 * i));
  const auto path = tmp.path() / "raw.safetensors";
  std::ofstream(path, std::ios::binary | std::ios::trunc) << length << header << data;
  return path;
}

std::string open_error(const std::filesystem::path& path) {
  return error_message([&] { SafetensorsFile::open(path); });
}

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
  const std::string header = R"({"w":{"dtype":"F32","shape":[2,2],"data_offsets":[0,12]}})";
  std::string bytes(8, '\0');
  bytes[0] = static_cast<char>(header.size());
  std::ofstream(tmp.path() / "bad.safetensors", std::ios::binary)
      << bytes << header << std::string(16, '\0');
  EXPECT_THAT(
      error_message([&] { SafetensorsFile::open(tmp.path() / "bad.safetensors"); }),
      HasSubstr("tensor 'w' of shape [2, 2] and dtype F32 needs 16 bytes but its offsets span 12"));
}

TEST(SafetensorsTest, UnsupportedDtypeFailsWhenReadNamingTheTensor) {
  TempDir tmp;
  const std::string header = R"({"w":{"dtype":"I8","shape":[4],"data_offsets":[0,4]}})";
  std::string bytes(8, '\0');
  bytes[0] = static_cast<char>(header.size());
  std::ofstream(tmp.path() / "i8.safetensors", std::ios::binary) << bytes << header << "abcd";
  auto file = SafetensorsFile::open(tmp.path() / "i8.safetensors");
  EXPECT_THAT(error_message([&] { file->tensor("w"); }),
              HasSubstr("tensor 'w' has unsupported dtype I8"));
}

TEST(SafetensorsTest, ByteSizeThatWrapsPast2To64IsRefused) {
  TempDir tmp;
  // 2^62 x 4 float32 = 2^66 bytes, which wraps to 0 and matched the empty span before.
  auto path = write_raw(
      tmp, R"({"w":{"dtype":"F32","shape":[4611686018427387904,4],"data_offsets":[0,0]}})", "");
  EXPECT_THAT(open_error(path),
              HasSubstr("raw.safetensors: tensor 'w' of shape [4611686018427387904, 4] "
                        "and dtype F32 is larger than 2^64 bytes"));
}

TEST(SafetensorsTest, DimensionBeyondInt64IsRefused) {
  TempDir tmp;
  auto path = write_raw(
      tmp, R"({"w":{"dtype":"F32","shape":[9223372036854775808],"data_offsets":[0,0]}})", "");
  EXPECT_THAT(open_error(path),
              HasSubstr("bad header entry for tensor 'w': dimension 9223372036854775808 "
                        "does not fit in int64"));
}

TEST(SafetensorsTest, OverlappingTensorsAreRefused) {
  TempDir tmp;
  auto path = write_raw(tmp,
                        R"({"a":{"dtype":"F32","shape":[2],"data_offsets":[0,8]},)"
                        R"("b":{"dtype":"F32","shape":[2],"data_offsets":[4,12]}})",
                        std::string(12, '\0'));
  EXPECT_THAT(open_error(path), HasSubstr("tensors 'a' (bytes 0-8) and 'b' (bytes 4-12) overlap"));
}

TEST(SafetensorsTest, RepeatedTensorIsRefused) {
  TempDir tmp;
  auto path = write_raw(tmp,
                        R"({"w":{"dtype":"F32","shape":[1],"data_offsets":[0,4]},)"
                        R"("w":{"dtype":"F32","shape":[1],"data_offsets":[4,8]}})",
                        std::string(8, '\0'));
  EXPECT_THAT(open_error(path), HasSubstr("raw.safetensors: tensor 'w' appears twice"));
}

TEST(SafetensorsTest, RepeatedKeyInsideAnEntryIsRefused) {
  TempDir tmp;
  auto path =
      write_raw(tmp, R"({"w":{"dtype":"I8","dtype":"F32","shape":[1],"data_offsets":[0,4]}})",
                std::string(4, '\0'));
  EXPECT_THAT(open_error(path),
              HasSubstr("key 'dtype' appears twice in the header entry of tensor 'w'"));
}

TEST(SafetensorsTest, NegativeOffsetIsRefused) {
  TempDir tmp;
  auto path = write_raw(tmp, R"({"w":{"dtype":"F32","shape":[1],"data_offsets":[-4,0]}})", "");
  EXPECT_THAT(open_error(path), HasSubstr("data_offsets must be non-negative integers, got -4"));
}

TEST(SafetensorsTest, NumberBeyondDoubleIsAMalformedHeader) {
  TempDir tmp;  // nlohmann throws out_of_range, not parse_error, for 1e999 (found by fuzzing)
  auto path = write_raw(tmp, R"({"w":{"dtype":"F32","shape":[1e999],"data_offsets":[0,0]}})", "");
  EXPECT_THAT(open_error(path), HasSubstr("raw.safetensors: malformed safetensors header"));
}

TEST(SafetensorsTest, DirectoryIsNotARegularFile) {
  TempDir tmp;
  EXPECT_THAT(open_error(tmp.path()), HasSubstr(tmp.path().string() + ": not a regular file"));
}

TEST(SafetensorsTest, HeaderParsesWithoutTorch) {
  const std::string header =
      R"({"__metadata__":{"format":"pt"},"w":{"dtype":"BF16","shape":[3],"data_offsets":[0,6]}})";
  std::string bytes(8, '\0');
  bytes[0] = static_cast<char>(header.size());
  bytes += header + std::string(6, '\0');
  auto parsed =
      parse_safetensors_header(reinterpret_cast<const uint8_t*>(bytes.data()), bytes.size(), "mem");
  EXPECT_EQ(parsed.data_offset, 8 + header.size());
  ASSERT_EQ(parsed.entries.size(), 1u);
  EXPECT_EQ(parsed.entries.at("w").shape, std::vector<int64_t>{3});
  EXPECT_EQ(parsed.entries.at("w").end, 6u);
}

TEST(SafetensorsTest, MissingFileIsReported) {
  EXPECT_THAT(error_message([] { SafetensorsFile::open("/nonexistent/model.safetensors"); }),
              HasSubstr("/nonexistent/model.safetensors: cannot open"));
}

}  // namespace
}  // namespace atman::test
