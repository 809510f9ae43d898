#pragma once
// Reading and writing the safetensors format: 8-byte little-endian header length, a JSON
// header {name: {dtype, shape, data_offsets: [begin, end]}} with offsets relative to the end
// of the header, then raw little-endian data. Files are memory-mapped: a float32 tensor read
// from an aligned offset is a view of the mapping, not a second copy.
#include <cstdint>
#include <filesystem>
#include <map>
#include <set>
#include <memory>
#include <string>
#include <utility>
#include <vector>

#include <torch/torch.h>

#include "atman/safetensors_header.hpp"

namespace atman {

class SafetensorsFile : public std::enable_shared_from_this<SafetensorsFile> {
 public:
  // Maps the file and validates its header (see parse_safetensors_header); throws atman::Error
  // naming the file on any inconsistency, before any tensor is touched. Only regular files
  // are opened: a FIFO or device would block or never end.
  static std::shared_ptr<SafetensorsFile> open(const std::filesystem::path& path);
  ~SafetensorsFile();
  SafetensorsFile(const SafetensorsFile&) = delete;
  SafetensorsFile& operator=(const SafetensorsFile&) = delete;

  const std::filesystem::path& path() const { return path_; }
  const std::map<std::string, SafetensorsEntry>& entries() const { return entries_; }
  bool contains(const std::string& name) const { return entries_.count(name) != 0; }

  // The tensor in its stored dtype. Shares the mapping when the data is aligned (the tensor
  // keeps the file mapped); copies otherwise. Mapped pages are copy-on-write.
  torch::Tensor tensor(const std::string& name) const;

 private:
  SafetensorsFile() = default;
  std::filesystem::path path_;
  void* mapping_ = nullptr;
  size_t mapping_size_ = 0;
  const uint8_t* data_ = nullptr;  // start of the data section inside the mapping
  std::map<std::string, SafetensorsEntry> entries_;
};

// Named tensors of a Hugging Face checkpoint: one model.safetensors, or shards listed in
// model.safetensors.index.json (plain file names inside `dir`; others are refused).
class TensorStore {
 public:
  static TensorStore open_directory(const std::filesystem::path& dir);

  bool contains(const std::string& name) const { return where_.count(name) != 0; }
  // Checks the stored shape, then converts to `dtype` on `device` (a GPU converts after the
  // copy, where it is fast). A floating `dtype` refuses integer data rather than converting it.
  // Throws naming the tensor and file.
  torch::Tensor get(const std::string& name, const std::vector<int64_t>& expected_shape,
                    torch::ScalarType dtype, torch::Device device = torch::kCPU) const;
  std::vector<std::string> names() const;
  // The stored dtype, shape and offsets of `name` (which must be contained).
  const SafetensorsEntry& entry(const std::string& name) const;
  // The names get() was never asked for, in name order: weights a loader did not place.
  std::vector<std::string> unread_names() const;

 private:
  std::map<std::string, std::shared_ptr<SafetensorsFile>> where_;
  mutable std::set<std::string> read_;  // names get() has returned
};

// Writes tensors (any of float32/float16/bfloat16, contiguous or not) in the given order.
void write_safetensors(const std::filesystem::path& path,
                       const std::vector<std::pair<std::string, torch::Tensor>>& tensors,
                       const std::map<std::string, std::string>& metadata = {});

// Splits tensors over `num_shards` files named model-0000k-of-0000n.safetensors and writes
// model.safetensors.index.json, as Hugging Face does for large checkpoints.
void write_sharded_safetensors(const std::filesystem::path& dir,
                               const std::vector<std::pair<std::string, torch::Tensor>>& tensors,
                               int num_shards);

std::string safetensors_dtype_name(torch::ScalarType dtype);

}  // namespace atman
