#include "atman/safetensors.hpp"

#include <fcntl.h>
#include <sys/mman.h>
#include <sys/stat.h>
#include <unistd.h>

#include <cstdio>
#include <cstring>
#include <fstream>
#include <nlohmann/json.hpp>
#include <set>

#include "atman/error.hpp"

namespace atman {
namespace {

using nlohmann::json;

struct DtypeInfo {
  torch::ScalarType type;
  size_t bytes;
};

// Only the dtypes Llama checkpoints are saved in; others fail when read, naming the tensor.
bool lookup_dtype(const std::string& name, DtypeInfo* out) {
  static const std::map<std::string, DtypeInfo> kDtypes = {
      {"F32", {torch::kFloat32, 4}}, {"F16", {torch::kFloat16, 2}},
      {"BF16", {torch::kBFloat16, 2}}, {"F64", {torch::kFloat64, 8}},
      {"I64", {torch::kInt64, 8}},     {"I32", {torch::kInt32, 4}}};
  auto it = kDtypes.find(name);
  if (it == kDtypes.end()) return false;
  *out = it->second;
  return true;
}

std::string shape_string(const std::vector<int64_t>& shape) {
  std::string s = "[";
  for (size_t i = 0; i < shape.size(); ++i) s += (i ? ", " : "") + std::to_string(shape[i]);
  return s + "]";
}

}  // namespace

std::string safetensors_dtype_name(torch::ScalarType dtype) {
  switch (dtype) {
    case torch::kFloat32: return "F32";
    case torch::kFloat16: return "F16";
    case torch::kBFloat16: return "BF16";
    case torch::kFloat64: return "F64";
    case torch::kInt64: return "I64";
    case torch::kInt32: return "I32";
    default: throw Error(std::string("cannot store dtype ") + c10::toString(dtype) + " in safetensors");
  }
}

std::shared_ptr<SafetensorsFile> SafetensorsFile::open(const std::filesystem::path& path) {
  const std::string source = path.string();
  std::shared_ptr<SafetensorsFile> file(new SafetensorsFile());
  file->path_ = path;

  const int fd = ::open(path.c_str(), O_RDONLY | O_CLOEXEC);
  if (fd < 0) throw Error(source + ": cannot open: " + std::strerror(errno));
  struct stat st {};
  if (::fstat(fd, &st) != 0 || !S_ISREG(st.st_mode)) {
    ::close(fd);
    throw Error(source + ": not a regular file");
  }
  const auto file_size = static_cast<uint64_t>(st.st_size);
  if (file_size < 8) {
    ::close(fd);
    throw Error(source + ": truncated safetensors file (" + std::to_string(file_size) +
                " bytes, shorter than the 8-byte header length)");
  }
  // Private writable mapping: libtorch tensors are nominally mutable, and any write lands in
  // a copy-on-write page instead of faulting or changing the file.
  void* mapping = ::mmap(nullptr, file_size, PROT_READ | PROT_WRITE, MAP_PRIVATE, fd, 0);
  ::close(fd);
  if (mapping == MAP_FAILED) throw Error(source + ": mmap failed: " + std::strerror(errno));
  file->mapping_ = mapping;
  file->mapping_size_ = file_size;
  const auto* bytes = static_cast<const uint8_t*>(mapping);

  uint64_t header_length = 0;
  for (int i = 7; i >= 0; --i) header_length = (header_length << 8) | bytes[i];
  if (header_length > file_size - 8) {
    throw Error(source + ": header length " + std::to_string(header_length) +
                " is larger than the file (" + std::to_string(file_size) +
                " bytes); the file is truncated or not safetensors");
  }
  json header;
  try {
    header = json::parse(bytes + 8, bytes + 8 + header_length);
  } catch (const json::parse_error& e) {
    throw Error(source + ": malformed safetensors header: " + e.what());
  }
  if (!header.is_object()) throw Error(source + ": safetensors header is not a JSON object");

  const uint64_t data_size = file_size - 8 - header_length;
  file->data_ = bytes + 8 + header_length;
  for (const auto& [name, value] : header.items()) {
    if (name == "__metadata__") continue;
    SafetensorsEntry entry;
    try {
      entry.dtype = value.at("dtype").get<std::string>();
      entry.shape = value.at("shape").get<std::vector<int64_t>>();
      const auto offsets = value.at("data_offsets").get<std::vector<uint64_t>>();
      if (offsets.size() != 2) throw Error("data_offsets must have two entries");
      entry.begin = offsets[0];
      entry.end = offsets[1];
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
    DtypeInfo info{};
    if (lookup_dtype(entry.dtype, &info)) {
      uint64_t numel = 1;
      for (int64_t d : entry.shape) {
        if (d < 0) throw Error(source + ": tensor '" + name + "' has a negative dimension");
        numel *= static_cast<uint64_t>(d);
      }
      if (numel * info.bytes != entry.end - entry.begin) {
        throw Error(source + ": tensor '" + name + "' of shape " + shape_string(entry.shape) +
                    " and dtype " + entry.dtype + " needs " + std::to_string(numel * info.bytes) +
                    " bytes but its offsets span " + std::to_string(entry.end - entry.begin));
      }
    }
    file->entries_.emplace(name, std::move(entry));
  }
  return file;
}

SafetensorsFile::~SafetensorsFile() {
  if (mapping_ != nullptr) ::munmap(mapping_, mapping_size_);
}

torch::Tensor SafetensorsFile::tensor(const std::string& name) const {
  auto it = entries_.find(name);
  if (it == entries_.end()) throw Error(path_.string() + ": no tensor '" + name + "'");
  const SafetensorsEntry& entry = it->second;
  DtypeInfo info{};
  if (!lookup_dtype(entry.dtype, &info)) {
    throw Error(path_.string() + ": tensor '" + name + "' has unsupported dtype " + entry.dtype +
                " (supported: F32, F16, BF16)");
  }
  const uint8_t* ptr = data_ + entry.begin;
  const auto options = torch::TensorOptions().dtype(info.type);
  if (reinterpret_cast<uintptr_t>(ptr) % info.bytes != 0) {
    // Misaligned data cannot be viewed as typed memory: copy it out.
    auto out = torch::empty(entry.shape, options);
    std::memcpy(out.data_ptr(), ptr, entry.end - entry.begin);
    return out;
  }
  // The deleter holds a reference so the mapping outlives every tensor viewing it.
  auto keep_alive = shared_from_this();
  return torch::from_blob(const_cast<uint8_t*>(ptr), entry.shape,
                          [keep_alive](void*) mutable { keep_alive.reset(); }, options);
}

TensorStore TensorStore::open_directory(const std::filesystem::path& dir) {
  TensorStore store;
  const auto single = dir / "model.safetensors";
  const auto index = dir / "model.safetensors.index.json";
  if (std::filesystem::exists(single)) {
    auto file = SafetensorsFile::open(single);
    for (const auto& [name, entry] : file->entries()) store.where_[name] = file;
    return store;
  }
  if (!std::filesystem::exists(index)) {
    throw Error(dir.string() + ": no model.safetensors or model.safetensors.index.json" +
                " (HINT: atman reads Hugging Face safetensors checkpoints)");
  }
  json j;
  {
    std::ifstream in(index);
    if (!in) throw Error(index.string() + ": cannot open");
    try {
      j = json::parse(in);
    } catch (const json::parse_error& e) {
      throw Error(index.string() + ": malformed JSON: " + e.what());
    }
  }
  if (!j.contains("weight_map") || !j["weight_map"].is_object()) {
    throw Error(index.string() + ": missing object 'weight_map'");
  }
  std::map<std::string, std::shared_ptr<SafetensorsFile>> shards;
  for (const auto& [name, shard_value] : j["weight_map"].items()) {
    if (!shard_value.is_string()) {
      throw Error(index.string() + ": weight_map entry for '" + name + "' is not a file name");
    }
    const std::string shard_name = shard_value.get<std::string>();
    auto& shard = shards[shard_name];
    if (!shard) shard = SafetensorsFile::open(dir / shard_name);
    if (!shard->contains(name)) {
      throw Error(shard->path().string() + ": tensor '" + name +
                  "' listed in the index is not in this shard");
    }
    store.where_[name] = shard;
  }
  return store;
}

torch::Tensor TensorStore::get(const std::string& name, const std::vector<int64_t>& expected_shape,
                               torch::ScalarType dtype) const {
  auto it = where_.find(name);
  if (it == where_.end()) throw Error("checkpoint is missing tensor '" + name + "'");
  const auto& entry = it->second->entries().at(name);
  if (entry.shape != expected_shape) {
    throw Error(it->second->path().string() + ": tensor '" + name + "' has shape " +
                shape_string(entry.shape) + ", expected " + shape_string(expected_shape) +
                " from config.json");
  }
  auto t = it->second->tensor(name);
  return t.scalar_type() == dtype ? t : t.to(dtype);
}

std::vector<std::string> TensorStore::names() const {
  std::vector<std::string> out;
  for (const auto& [name, file] : where_) out.push_back(name);
  return out;
}

void write_safetensors(const std::filesystem::path& path,
                       const std::vector<std::pair<std::string, torch::Tensor>>& tensors,
                       const std::map<std::string, std::string>& metadata) {
  json header = json::object();
  if (!metadata.empty()) header["__metadata__"] = metadata;
  std::vector<torch::Tensor> contiguous;
  uint64_t offset = 0;
  for (const auto& [name, t] : tensors) {
    auto c = t.detach().to(torch::kCPU).contiguous();
    const uint64_t nbytes = c.numel() * c.element_size();
    header[name] = {{"dtype", safetensors_dtype_name(c.scalar_type())},
                    {"shape", c.sizes().vec()},
                    {"data_offsets", {offset, offset + nbytes}}};
    offset += nbytes;
    contiguous.push_back(std::move(c));
  }
  std::string header_text = header.dump();
  // Pad with spaces so the data section starts 8-byte aligned, as the reference writer does.
  while ((8 + header_text.size()) % 8 != 0) header_text.push_back(' ');

  std::ofstream out(path, std::ios::binary | std::ios::trunc);
  if (!out) throw Error(path.string() + ": cannot write");
  uint8_t length_bytes[8];
  uint64_t length = header_text.size();
  for (int i = 0; i < 8; ++i) length_bytes[i] = static_cast<uint8_t>(length >> (8 * i));
  out.write(reinterpret_cast<const char*>(length_bytes), 8);
  out.write(header_text.data(), static_cast<std::streamsize>(header_text.size()));
  for (const auto& c : contiguous) {
    out.write(static_cast<const char*>(c.data_ptr()),
              static_cast<std::streamsize>(c.numel() * c.element_size()));
  }
  if (!out) throw Error(path.string() + ": write failed");
}

void write_sharded_safetensors(const std::filesystem::path& dir,
                               const std::vector<std::pair<std::string, torch::Tensor>>& tensors,
                               int num_shards) {
  if (num_shards < 1) throw Error("num_shards must be >= 1");
  json weight_map = json::object();
  uint64_t total_bytes = 0;
  const size_t per_shard = (tensors.size() + num_shards - 1) / num_shards;
  for (int s = 0; s < num_shards; ++s) {
    char file_name[64];
    std::snprintf(file_name, sizeof(file_name), "model-%05d-of-%05d.safetensors", s + 1,
                  num_shards);
    const size_t begin = std::min(tensors.size(), s * per_shard);
    const size_t end = std::min(tensors.size(), begin + per_shard);
    std::vector<std::pair<std::string, torch::Tensor>> shard(tensors.begin() + begin,
                                                             tensors.begin() + end);
    for (const auto& [name, t] : shard) {
      weight_map[name] = file_name;
      total_bytes += t.numel() * t.element_size();
    }
    write_safetensors(dir / file_name, shard, {{"format", "pt"}});
  }
  json index = {{"metadata", {{"total_size", total_bytes}}}, {"weight_map", weight_map}};
  std::ofstream out(dir / "model.safetensors.index.json");
  if (!out) throw Error((dir / "model.safetensors.index.json").string() + ": cannot write");
  out << index.dump(2) << "\n";
}

}  // namespace atman
