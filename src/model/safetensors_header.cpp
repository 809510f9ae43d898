#include "atman/safetensors_header.hpp"

#include <algorithm>
#include <limits>
#include <nlohmann/json.hpp>
#include <set>
#include <tuple>

#include "atman/error.hpp"

namespace atman {
namespace {

using nlohmann::json;

// nlohmann keeps the last of repeated keys; the spec forbids them, and a second entry for a
// tensor would silently shadow the first. One key set per open object finds them at any depth.
json parse_without_repeated_keys(const uint8_t* begin, const uint8_t* end,
                                 const std::string& source) {
  std::vector<std::set<std::string>> open_objects;
  std::string tensor;  // the top-level key being parsed, for messages
  json::parser_callback_t check = [&](int depth, json::parse_event_t event, json& parsed) {
    if (event == json::parse_event_t::object_start) {
      open_objects.emplace_back();
    } else if (event == json::parse_event_t::object_end) {
      open_objects.pop_back();
    } else if (event == json::parse_event_t::key) {
      const auto& key = parsed.get_ref<const std::string&>();
      if (!open_objects.back().insert(key).second) {
        if (depth == 1)
          throw Error(source + ": tensor '" + key + "' appears twice in the safetensors header");
        throw Error(source + ": key '" + key + "' appears twice in the header entry of tensor '" +
                    tensor + "'");
      }
      if (depth == 1) tensor = key;
    }
    return true;
  };
  try {
    return json::parse(begin, end, check);
  } catch (const json::exception& e) {  // parse_error, or out_of_range for a number like 1e999
    throw Error(source + ": malformed safetensors header: " + e.what());
  }
}

// A dimension is a JSON integer in [0, 2^63); nlohmann would wrap larger ones to negatives.
int64_t dimension(const json& value) {
  if (value.is_number_unsigned()) {
    const auto d = value.get<uint64_t>();
    if (d > static_cast<uint64_t>(std::numeric_limits<int64_t>::max())) {
      throw Error("dimension " + std::to_string(d) + " does not fit in int64");
    }
    return static_cast<int64_t>(d);
  }
  if (value.is_number_integer()) return value.get<int64_t>();  // negative: reported by the caller
  throw Error("shape must hold integers, got " + value.dump());
}

SafetensorsEntry parse_entry(const json& value) {
  if (!value.is_object()) throw Error("expected an object, got " + std::string(value.type_name()));
  SafetensorsEntry entry;
  entry.dtype = value.at("dtype").get<std::string>();
  const json& shape = value.at("shape");
  if (!shape.is_array()) throw Error("shape must be an array");
  for (const json& d : shape) entry.shape.push_back(dimension(d));
  const json& offsets = value.at("data_offsets");
  if (!offsets.is_array() || offsets.size() != 2) throw Error("data_offsets must have two entries");
  for (const json& o : offsets) {
    if (!o.is_number_unsigned())
      throw Error("data_offsets must be non-negative integers, got " + o.dump());
  }
  entry.begin = offsets[0].get<uint64_t>();
  entry.end = offsets[1].get<uint64_t>();
  return entry;
}

// Checks the byte size implied by shape and dtype against the offsets, without overflow: a
// wrapped product could otherwise match a small span and reach libtorch with a huge shape.
void check_size(const std::string& name, const SafetensorsEntry& entry, const std::string& source) {
  const size_t element_bytes = safetensors_dtype_bytes(entry.dtype);
  if (element_bytes == 0) return;  // unknown dtype: refused when the tensor is read
  const bool empty = std::find(entry.shape.begin(), entry.shape.end(), 0) != entry.shape.end();
  uint64_t nbytes = empty ? 0 : element_bytes;
  for (int64_t d : entry.shape) {  // dimensions are >= 0 here
    if (!empty && __builtin_mul_overflow(nbytes, static_cast<uint64_t>(d), &nbytes)) {
      throw Error(source + ": tensor '" + name + "' of shape " +
                  safetensors_shape_string(entry.shape) + " and dtype " + entry.dtype +
                  " is larger than 2^64 bytes");
    }
  }
  if (nbytes != entry.end - entry.begin) {
    throw Error(source + ": tensor '" + name + "' of shape " +
                safetensors_shape_string(entry.shape) + " and dtype " + entry.dtype + " needs " +
                std::to_string(nbytes) + " bytes but its offsets span " +
                std::to_string(entry.end - entry.begin));
  }
}

// The spec forbids tensors sharing bytes: a write through one would change another.
void check_no_overlap(const std::map<std::string, SafetensorsEntry>& entries,
                      const std::string& source) {
  std::vector<std::tuple<uint64_t, uint64_t, const std::string*>> ranges;  // (begin, end, name)
  for (const auto& [name, entry] : entries) {
    if (entry.end > entry.begin) ranges.emplace_back(entry.begin, entry.end, &name);
  }
  std::sort(ranges.begin(), ranges.end());
  for (size_t i = 1; i < ranges.size(); ++i) {
    const auto& [prev_begin, prev_end, prev_name] = ranges[i - 1];
    const auto& [begin, end, name] = ranges[i];
    if (begin < prev_end) {
      throw Error(source + ": tensors '" + *prev_name + "' (bytes " + std::to_string(prev_begin) +
                  "-" + std::to_string(prev_end) + ") and '" + *name + "' (bytes " +
                  std::to_string(begin) + "-" + std::to_string(end) +
                  ") overlap in the data section");
    }
  }
}

}  // namespace

size_t safetensors_dtype_bytes(const std::string& dtype) {
  static const std::map<std::string, size_t> kBytes = {
      {"F64", 8},     {"F32", 4}, {"F16", 2}, {"BF16", 2}, {"F8_E4M3", 1},
      {"F8_E5M2", 1}, {"I64", 8}, {"I32", 4}, {"I16", 2},  {"I8", 1},
      {"U64", 8},     {"U32", 4}, {"U16", 2}, {"U8", 1},   {"BOOL", 1}};
  auto it = kBytes.find(dtype);
  return it == kBytes.end() ? 0 : it->second;
}

std::string safetensors_shape_string(const std::vector<int64_t>& shape) {
  std::string s = "[";
  for (size_t i = 0; i < shape.size(); ++i) s += (i ? ", " : "") + std::to_string(shape[i]);
  return s + "]";
}

SafetensorsHeader parse_safetensors_header(const uint8_t* bytes, uint64_t size,
                                           const std::string& source) {
  if (size < 8) {
    throw Error(source + ": truncated safetensors file (" + std::to_string(size) +
                " bytes, shorter than the 8-byte header length)");
  }
  uint64_t header_length = 0;
  for (int i = 7; i >= 0; --i) header_length = (header_length << 8) | bytes[i];
  if (header_length > size - 8) {
    throw Error(source + ": header length " + std::to_string(header_length) +
                " is larger than the file (" + std::to_string(size) +
                " bytes); the file is truncated or not safetensors");
  }
  const json header = parse_without_repeated_keys(bytes + 8, bytes + 8 + header_length, source);
  if (!header.is_object()) throw Error(source + ": safetensors header is not a JSON object");

  SafetensorsHeader out;
  out.data_offset = 8 + header_length;
  const uint64_t data_size = size - out.data_offset;
  for (const auto& [name, value] : header.items()) {
    if (name == "__metadata__") continue;
    SafetensorsEntry entry;
    try {
      entry = parse_entry(value);
    } catch (const std::exception& e) {
      throw Error(source + ": bad header entry for tensor '" + name + "': " + e.what());
    }
    if (entry.end < entry.begin) {
      throw Error(source + ": tensor '" + name + "' has data_offsets end before begin");
    }
    if (entry.end > data_size) {
      throw Error(source + ": truncated: tensor '" + name + "' needs data up to byte " +
                  std::to_string(entry.end) + " but the data section holds " +
                  std::to_string(data_size) + " bytes");
    }
    if (std::any_of(entry.shape.begin(), entry.shape.end(), [](int64_t d) { return d < 0; })) {
      throw Error(source + ": tensor '" + name + "' has a negative dimension");
    }
    check_size(name, entry, source);
    out.entries.emplace(name, std::move(entry));
  }
  check_no_overlap(out.entries, source);
  return out;
}

}  // namespace atman
