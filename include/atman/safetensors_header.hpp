#pragma once
// The header of a safetensors file, parsed and validated without libtorch, so that a fuzzer
// can drive it alone: 8-byte little-endian length, then a JSON object
// {name: {dtype, shape, data_offsets: [begin, end]}, "__metadata__": {...}}.
#include <cstddef>
#include <cstdint>
#include <map>
#include <string>
#include <vector>

namespace atman {

struct SafetensorsEntry {
  std::string dtype;           // "F32", "F16", "BF16", ...
  std::vector<int64_t> shape;  // row-major, every dimension >= 0
  uint64_t begin = 0;          // byte offset from the start of the data section
  uint64_t end = 0;            // one past the last byte
};

struct SafetensorsHeader {
  std::map<std::string, SafetensorsEntry> entries;
  uint64_t data_offset = 0;  // bytes before the data section: 8 + header length
};

// Bytes per element of a dtype of the safetensors spec ("F32" -> 4); 0 for an unknown name.
size_t safetensors_dtype_bytes(const std::string& dtype);

// "[2, 3]".
std::string safetensors_shape_string(const std::vector<int64_t>& shape);

// Parses the header of a whole file of `size` bytes at `bytes` and checks everything that can
// be checked without reading tensor data: the header length fits the file, the JSON is an
// object without repeated keys, each entry is well typed, its offsets lie in the data section
// and match shape x dtype size (computed without overflow, for known dtypes), and no two
// tensors share bytes. Throws atman::Error starting with `source` (the file name), naming the
// tensor where one is at fault.
SafetensorsHeader parse_safetensors_header(const uint8_t* bytes, uint64_t size,
                                           const std::string& source);

}  // namespace atman
