#include "atman/safetensors.hpp"

#include <fcntl.h>
#include <sys/mman.h>
#include <sys/stat.h>
#include <unistd.h>

#include <algorithm>
#include <cstdio>
#include <cstring>
#include <fstream>
#include <nlohmann/json.hpp>

#include "atman/error.hpp"

namespace atman {
namespace {

using nlohmann::json;

// Only the dtypes Llama checkpoints are saved in; others fail when read, naming the tensor.
bool lookup_dtype(const std::string& name, torch::ScalarType* out) {
  static const std::map<std::string, torch::ScalarType> kDtypes = {
      {"F32", torch::kFloat32}, {"F16", torch::kFloat16}, {"BF16", torch::kBFloat16},
      {"F64", torch::kFloat64}, {"I64", torch::kInt64},   {"I32", torch::kInt32}};
  auto it = kDtypes.find(name);
  if (it == kDtypes.end()) return false;
  *out = it->second;
  return true;
}

bool is_float_dtype(const std::string& name) {
  return name == "F32" || name == "F16" || name == "BF16" || name == "F64";
}

// A FIFO or device named like a model file would block open() or never end: refuse anything
// but a regular file (following symlinks, as Hugging Face caches use them) before opening it.
void require_regular_file(const std::filesystem::path& path) {
  std::error_code ec;
  const auto status = std::filesystem::status(path, ec);
  if (std::filesystem::exists(status) && !std::filesystem::is_regular_file(status)) {
    throw Error(path.string() + ": not a regular file");
  }
}

// Shards live beside the index: an absolute name or a '..' would read files the user never
// pointed atman at.
bool is_inside_directory(const std::filesystem::path& relative) {
  if (relative.empty() || relative.has_root_path()) return false;
  return std::none_of(relative.begin(), relative.end(),
                      [](const std::filesystem::path& part) { return part == ".."; });
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

  require_regular_file(path);
  // O_NONBLOCK: should a FIFO replace the file after the check, open() still returns.
  const int fd = ::open(path.c_str(), O_RDONLY | O_CLOEXEC | O_NONBLOCK);
  if (fd < 0) throw Error(source + ": cannot open: " + std::strerror(errno));
  struct stat st {};
  if (::fstat(fd, &st) != 0 || !S_ISREG(st.st_mode)) {
    ::close(fd);
    throw Error(source + ": not a regular file");
  }
  const auto file_size = static_cast<uint64_t>(st.st_size);
  if (file_size < 8) {
    ::close(fd);
    const uint8_t none[8] = {};
    parse_safetensors_header(none, file_size, source);  // throws: too short for the length
  }
  // Private writable mapping: libtorch tensors are nominally mutable, and any write lands in
  // a copy-on-write page instead of faulting or changing the file.
  void* mapping = ::mmap(nullptr, file_size, PROT_READ | PROT_WRITE, MAP_PRIVATE, fd, 0);
  ::close(fd);
  if (mapping == MAP_FAILED) throw Error(source + ": mmap failed: " + std::strerror(errno));
  file->mapping_ = mapping;
  file->mapping_size_ = file_size;
  const auto* bytes = static_cast<const uint8_t*>(mapping);
  SafetensorsHeader header = parse_safetensors_header(bytes, file_size, source);
  file->data_ = bytes + header.data_offset;
  file->entries_ = std::move(header.entries);
  return file;
}

SafetensorsFile::~SafetensorsFile() {
  if (mapping_ != nullptr) ::munmap(mapping_, mapping_size_);
}

torch::Tensor SafetensorsFile::tensor(const std::string& name) const {
  auto it = entries_.find(name);
  if (it == entries_.end()) throw Error(path_.string() + ": no tensor '" + name + "'");
  const SafetensorsEntry& entry = it->second;
  torch::ScalarType type{};
  if (!lookup_dtype(entry.dtype, &type)) {
    throw Error(path_.string() + ": tensor '" + name + "' has unsupported dtype " + entry.dtype +
                " (supported: F32, F16, BF16)");
  }
  const uint8_t* ptr = data_ + entry.begin;
  const auto options = torch::TensorOptions().dtype(type);
  if (reinterpret_cast<uintptr_t>(ptr) % safetensors_dtype_bytes(entry.dtype) != 0) {
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
  require_regular_file(index);
  json j;
  {
    std::ifstream in(index);
    if (!in) throw Error(index.string() + ": cannot open");
    try {
      j = json::parse(in);
    } catch (const json::exception& e) {  // parse_error, or out_of_range for 1e999
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
    if (!is_inside_directory(shard_name)) {
      throw Error(index.string() + ": weight_map entry for '" + name + "' names shard '" +
                  shard_name + "' outside the model directory (shards must lie beside the index)");
    }
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
                               torch::ScalarType dtype, torch::Device device) const {
  auto it = where_.find(name);
  if (it == where_.end()) throw Error("checkpoint is missing tensor '" + name + "'");
  read_.insert(name);
  const auto& entry = it->second->entries().at(name);
  if (entry.shape != expected_shape) {
    throw Error(it->second->path().string() + ": tensor '" + name + "' has shape " +
                safetensors_shape_string(entry.shape) + ", expected " +
                safetensors_shape_string(expected_shape) + " from config.json");
  }
  // Integer data in a float weight is a broken or foreign checkpoint, not something to convert.
  if (torch::isFloatingType(dtype) && !is_float_dtype(entry.dtype)) {
    throw Error(it->second->path().string() + ": tensor '" + name + "' has dtype " + entry.dtype +
                ", expected a floating-point dtype (F32, F16, BF16 or F64) for a float weight");
  }
  auto t = it->second->tensor(name);
  if (!device.is_cpu()) t = t.to(device);
  return t.scalar_type() == dtype ? t : t.to(dtype);
}

const SafetensorsEntry& TensorStore::entry(const std::string& name) const {
  return where_.at(name)->entries().at(name);
}

std::vector<std::string> TensorStore::names() const {
  std::vector<std::string> out;
  for (const auto& [name, file] : where_) out.push_back(name);
  return out;
}

std::vector<std::string> TensorStore::unread_names() const {
  std::vector<std::string> out;
  for (const auto& [name, file] : where_) {
    if (read_.count(name) == 0) out.push_back(name);
  }
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
