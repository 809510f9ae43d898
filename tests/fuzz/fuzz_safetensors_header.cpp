// libFuzzer target: parse_safetensors_header either throws atman::Error (anything else escapes
// and is a finding) or returns entries that are safe to map: inside the data section, exactly
// shape x dtype bytes long, and disjoint.
#include <algorithm>
#include <cstdint>
#include <utility>
#include <vector>

#include "atman/error.hpp"
#include "atman/safetensors_header.hpp"
#include "fuzz_check.hpp"

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  atman::SafetensorsHeader header;
  try {
    header = atman::parse_safetensors_header(data, size, "fuzz.safetensors");
  } catch (const atman::Error&) {
    return 0;
  }
  FUZZ_CHECK(header.data_offset >= 8 && header.data_offset <= size, "data_offset %llu",
             static_cast<unsigned long long>(header.data_offset));
  const uint64_t data_size = size - header.data_offset;
  std::vector<std::pair<uint64_t, uint64_t>> ranges;
  for (const auto& [name, entry] : header.entries) {
    FUZZ_CHECK(name != "__metadata__", "metadata parsed as a tensor");
    FUZZ_CHECK(entry.begin <= entry.end && entry.end <= data_size, "tensor '%s' out of range", name.c_str());
    uint64_t nbytes = atman::safetensors_dtype_bytes(entry.dtype);
    bool overflow = false;
    for (int64_t d : entry.shape) {
      FUZZ_CHECK(d >= 0, "tensor '%s' has a negative dimension", name.c_str());
      overflow = overflow || __builtin_mul_overflow(nbytes, static_cast<uint64_t>(d), &nbytes);
    }
    if (atman::safetensors_dtype_bytes(entry.dtype) != 0) {
      const bool empty = std::count(entry.shape.begin(), entry.shape.end(), 0) != 0;
      FUZZ_CHECK(empty || !overflow, "tensor '%s' size overflows", name.c_str());
      FUZZ_CHECK((empty ? 0 : nbytes) == entry.end - entry.begin, "tensor '%s' size mismatch",
                 name.c_str());
    }
    if (entry.end > entry.begin) ranges.emplace_back(entry.begin, entry.end);
  }
  std::sort(ranges.begin(), ranges.end());
  for (size_t i = 1; i < ranges.size(); ++i) {
    FUZZ_CHECK(ranges[i - 1].second <= ranges[i].first, "tensors overlap at byte %llu",
               static_cast<unsigned long long>(ranges[i].first));
  }
  return 0;
}
