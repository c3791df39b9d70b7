#include "io/gguf.h"

#include <algorithm>
#include <cstdio>
#include <cstring>
#include <set>

#include "core/error.h"

namespace hm {
namespace {

constexpr uint32_t kMagic = 0x46554747;  // "GGUF" little-endian
constexpr uint32_t kVersion = 3;
// Bounds that no real model reaches but that stop hostile counts before any allocation.
constexpr uint64_t kMaxDims = 4;
constexpr uint64_t kMaxNameLength = 1 << 16;

using kernels::BlockType;

// Reads little-endian fields from the bytes, checking each against what remains.
class Reader {
 public:
  Reader(std::span<const uint8_t> bytes, const std::string& file) : bytes_(bytes), file_(file) {}

  template <typename T>
  T Pod(const char* what) {
    Need(sizeof(T), what);
    T v;
    std::memcpy(&v, bytes_.data() + pos_, sizeof(T));
    pos_ += sizeof(T);
    return v;
  }
  std::string String(const std::string& what) {
    const uint64_t n = Pod<uint64_t>(what.c_str());
    Need(n, what.c_str());
    std::string s(reinterpret_cast<const char*>(bytes_.data() + pos_), n);
    pos_ += n;
    return s;
  }
  void Need(uint64_t n, const char* what) const {
    HM_CHECK(n <= bytes_.size() - pos_, file_, ": truncated GGUF file while reading ", what);
  }
  uint64_t pos() const { return pos_; }

 private:
  std::span<const uint8_t> bytes_;
  const std::string& file_;
  uint64_t pos_ = 0;
};

size_t ScalarSize(GgufKind k) {
  switch (k) {
    case GgufKind::kU8: case GgufKind::kI8: case GgufKind::kBool: return 1;
    case GgufKind::kU16: case GgufKind::kI16: return 2;
    case GgufKind::kU32: case GgufKind::kI32: case GgufKind::kF32: return 4;
    case GgufKind::kU64: case GgufKind::kI64: case GgufKind::kF64: return 8;
    default: return 0;
  }
}

nlohmann::json ReadScalar(Reader& r, GgufKind k, const std::string& key) {
  const char* what = key.c_str();
  switch (k) {
    case GgufKind::kU8: return r.Pod<uint8_t>(what);
    case GgufKind::kI8: return r.Pod<int8_t>(what);
    case GgufKind::kU16: return r.Pod<uint16_t>(what);
    case GgufKind::kI16: return r.Pod<int16_t>(what);
    case GgufKind::kU32: return r.Pod<uint32_t>(what);
    case GgufKind::kI32: return r.Pod<int32_t>(what);
    case GgufKind::kF32: return r.Pod<float>(what);
    case GgufKind::kBool: return r.Pod<uint8_t>(what) != 0;
    case GgufKind::kU64: return r.Pod<uint64_t>(what);
    case GgufKind::kI64: return r.Pod<int64_t>(what);
    case GgufKind::kF64: return r.Pod<double>(what);
    case GgufKind::kString: return r.String(key);
    default: Fail("GGUF: value kind ", static_cast<uint32_t>(k), " of key '", key, "' is not a scalar");
  }
}

GgufKind CheckedKind(uint32_t raw, const std::string& file, const std::string& key) {
  HM_CHECK(raw <= static_cast<uint32_t>(GgufKind::kF64), file, ": metadata key '", key,
           "' has unknown value type ", raw);
  return static_cast<GgufKind>(raw);
}

template <typename T>
void Put(std::string& out, T v) {
  out.append(reinterpret_cast<const char*>(&v), sizeof(T));
}
void PutString(std::string& out, const std::string& s) {
  Put<uint64_t>(out, s.size());
  out += s;
}

void PutScalar(std::string& out, GgufKind k, const nlohmann::json& v) {
  switch (k) {
    case GgufKind::kU8: return Put(out, v.get<uint8_t>());
    case GgufKind::kI8: return Put(out, v.get<int8_t>());
    case GgufKind::kU16: return Put(out, v.get<uint16_t>());
    case GgufKind::kI16: return Put(out, v.get<int16_t>());
    case GgufKind::kU32: return Put(out, v.get<uint32_t>());
    case GgufKind::kI32: return Put(out, v.get<int32_t>());
    case GgufKind::kF32: return Put(out, v.get<float>());
    case GgufKind::kBool: return Put<uint8_t>(out, v.get<bool>() ? 1 : 0);
    case GgufKind::kU64: return Put(out, v.get<uint64_t>());
    case GgufKind::kI64: return Put(out, v.get<int64_t>());
    case GgufKind::kF64: return Put(out, v.get<double>());
    case GgufKind::kString: return PutString(out, v.get<std::string>());
    default: Fail("GGUF writer: nested arrays are not supported");
  }
}

uint64_t AlignUp(uint64_t x, uint64_t a) { return (x + a - 1) / a * a; }

}  // namespace

GgmlLayout LayoutOf(GgmlType t) {
  switch (t) {
    case GgmlType::kF32: return {DType::kF32};
    case GgmlType::kF16: return {DType::kF16};
    case GgmlType::kBF16: return {DType::kBF16};
    case GgmlType::kQ8_0: return {DType::kU8, BlockType::kQ8_0};
    case GgmlType::kQ4_0: return {DType::kU8, BlockType::kQ4_0};
    case GgmlType::kQ4_K: return {DType::kU8, BlockType::kQ4_K};
  }
  Fail("GGUF: unsupported ggml type ", static_cast<uint32_t>(t));
}

GgmlType GgmlTypeOf(const GgmlLayout& l) {
  switch (l.blocks) {
    case BlockType::kQ8_0: return GgmlType::kQ8_0;
    case BlockType::kQ4_0: return GgmlType::kQ4_0;
    case BlockType::kQ4_K: return GgmlType::kQ4_K;
    default: break;
  }
  if (l.dtype == DType::kF32) return GgmlType::kF32;
  if (l.dtype == DType::kF16) return GgmlType::kF16;
  if (l.dtype == DType::kBF16) return GgmlType::kBF16;
  Fail("GGUF cannot hold dtype ", DTypeName(l.dtype));
}

uint64_t GgmlBytes(GgmlType t, const std::vector<int64_t>& shape) {
  const GgmlLayout l = LayoutOf(t);
  uint64_t numel = 1;
  for (int64_t d : shape) {
    HM_CHECK(d > 0 && numel <= (uint64_t{1} << 62) / static_cast<uint64_t>(d), "GGUF: tensor shape too large");
    numel *= static_cast<uint64_t>(d);
  }
  if (l.blocks == BlockType::kNone) return numel * DTypeSize(l.dtype);
  const int64_t inner = shape.empty() ? 1 : shape.back();
  HM_CHECK(inner % kernels::BlockValues(l.blocks) == 0, "GGUF: rows of ", inner, " values are not whole ",
           kernels::BlockTypeName(l.blocks), " blocks");
  return numel / static_cast<uint64_t>(kernels::BlockValues(l.blocks)) * kernels::BlockBytes(l.blocks);
}

GgufHeader ParseGguf(std::span<const uint8_t> bytes, const std::string& file) {
  Reader r(bytes, file);
  HM_CHECK(r.Pod<uint32_t>("magic") == kMagic, file, ": not a GGUF file (bad magic)");
  const uint32_t version = r.Pod<uint32_t>("version");
  HM_CHECK(version == 2 || version == kVersion, file, ": GGUF version ", version, " is not supported (2 or 3)");
  const uint64_t n_tensors = r.Pod<uint64_t>("tensor count");
  const uint64_t n_kv = r.Pod<uint64_t>("metadata count");
  // Each entry takes at least 8 bytes (a string length), so larger counts cannot be real.
  HM_CHECK(n_tensors <= bytes.size() / 8 && n_kv <= bytes.size() / 8, file,
           ": tensor or metadata count exceeds the file size");

  GgufHeader h;
  for (uint64_t i = 0; i < n_kv; ++i) {
    const std::string key = r.String("metadata key");
    HM_CHECK(!h.metadata.count(key), file, ": metadata key '", key, "' appears twice");
    GgufValue v;
    v.kind = CheckedKind(r.Pod<uint32_t>(key.c_str()), file, key);
    if (v.kind == GgufKind::kArray) {
      v.is_array = true;
      v.kind = CheckedKind(r.Pod<uint32_t>(key.c_str()), file, key);
      HM_CHECK(v.kind != GgufKind::kArray, file, ": metadata key '", key, "' is a nested array (unsupported)");
      const uint64_t count = r.Pod<uint64_t>(key.c_str());
      const uint64_t min_size = v.kind == GgufKind::kString ? 8 : ScalarSize(v.kind);
      HM_CHECK(count <= (bytes.size() - r.pos()) / min_size, file, ": array '", key,
               "' has more elements than the file has bytes");
      v.value = nlohmann::json::array();
      for (uint64_t j = 0; j < count; ++j) v.value.push_back(ReadScalar(r, v.kind, key));
    } else {
      v.value = ReadScalar(r, v.kind, key);
    }
    h.metadata.emplace(key, std::move(v));
  }
  if (const auto it = h.metadata.find("general.alignment"); it != h.metadata.end()) {
    const GgufValue& a = it->second;
    HM_CHECK(!a.is_array && a.value.is_number_unsigned(), file, ": general.alignment must be an unsigned integer");
    h.alignment = a.value.get<uint64_t>();
    HM_CHECK(h.alignment >= 1 && h.alignment <= 4096 && (h.alignment & (h.alignment - 1)) == 0, file,
             ": general.alignment ", h.alignment, " is not a power of two up to 4096");
  }

  std::set<std::string> names;
  std::vector<uint64_t> relative;
  for (uint64_t i = 0; i < n_tensors; ++i) {
    GgufTensorInfo t;
    t.name = r.String("tensor name");
    HM_CHECK(t.name.size() <= kMaxNameLength && names.insert(t.name).second, file, ": tensor '", t.name,
             "' appears twice or has an over-long name");
    const uint32_t n_dims = r.Pod<uint32_t>(t.name.c_str());
    HM_CHECK(n_dims >= 1 && n_dims <= kMaxDims, file, ": tensor '", t.name, "' has ", n_dims, " dimensions");
    std::vector<int64_t> ne(n_dims);
    for (uint32_t d = 0; d < n_dims; ++d) {
      const uint64_t v = r.Pod<uint64_t>(t.name.c_str());
      HM_CHECK(v >= 1 && v <= (uint64_t{1} << 40), file, ": tensor '", t.name, "' has dimension ", v);
      ne[d] = static_cast<int64_t>(v);
    }
    t.shape.assign(ne.rbegin(), ne.rend());
    const uint32_t raw_type = r.Pod<uint32_t>(t.name.c_str());
    t.type = static_cast<GgmlType>(raw_type);
    try {
      t.nbytes = GgmlBytes(t.type, t.shape);
    } catch (const Error& e) {
      Fail(file, ": tensor '", t.name, "' (ggml type ", raw_type, "): ", e.what());
    }
    const uint64_t off = r.Pod<uint64_t>(t.name.c_str());
    HM_CHECK(off % h.alignment == 0, file, ": tensor '", t.name, "' data offset ", off, " is not aligned to ",
             h.alignment);
    relative.push_back(off);
    h.tensors.push_back(std::move(t));
  }
  const uint64_t data_start = AlignUp(r.pos(), h.alignment);
  HM_CHECK(data_start <= bytes.size(), file, ": truncated before the tensor data");
  const uint64_t data_size = bytes.size() - data_start;
  std::vector<size_t> order(h.tensors.size());
  for (size_t i = 0; i < order.size(); ++i) {
    GgufTensorInfo& t = h.tensors[i];
    HM_CHECK(relative[i] <= data_size && t.nbytes <= data_size - relative[i], file, ": tensor '", t.name,
             "' data [", relative[i], ", +", t.nbytes, ") lies outside the file's ", data_size, " data bytes");
    t.offset = data_start + relative[i];
    order[i] = i;
  }
  std::sort(order.begin(), order.end(), [&](size_t a, size_t b) { return h.tensors[a].offset < h.tensors[b].offset; });
  for (size_t i = 1; i < order.size(); ++i) {
    const GgufTensorInfo& prev = h.tensors[order[i - 1]];
    const GgufTensorInfo& cur = h.tensors[order[i]];
    HM_CHECK(prev.offset + prev.nbytes <= cur.offset, file, ": tensors '", prev.name, "' and '", cur.name,
             "' overlap");
  }
  return h;
}

GgufFile::GgufFile(const std::string& path) : file_(std::make_unique<MappedFile>(path)) {
  header_ = ParseGguf({file_->data(), file_->size()}, path);
  for (size_t i = 0; i < header_.tensors.size(); ++i) index_[header_.tensors[i].name] = i;
}

const GgufTensorInfo* GgufFile::Find(const std::string& name) const {
  const auto it = index_.find(name);
  return it == index_.end() ? nullptr : &header_.tensors[it->second];
}

const GgufValue& GgufFile::Get(const std::string& key) const {
  const auto it = header_.metadata.find(key);
  HM_CHECK(it != header_.metadata.end(), path(), ": missing metadata key '", key, "'");
  return it->second;
}

std::string GgufFile::GetString(const std::string& key) const {
  const GgufValue& v = Get(key);
  HM_CHECK(!v.is_array && v.kind == GgufKind::kString, path(), ": metadata key '", key, "' is not a string");
  return v.value.get<std::string>();
}

void GgufWriter::Set(const std::string& key, GgufKind kind, nlohmann::json value) {
  metadata_.push_back({key, GgufValue{kind, false, std::move(value)}});
}

void GgufWriter::SetArray(const std::string& key, GgufKind element_kind, nlohmann::json values) {
  metadata_.push_back({key, GgufValue{element_kind, true, std::move(values)}});
}

void GgufWriter::AddTensor(const std::string& name, GgmlType type, std::vector<int64_t> shape,
                           std::function<void(std::span<uint8_t>)> fill) {
  tensors_.push_back({name, type, std::move(shape), std::move(fill)});
}

void GgufWriter::Write(const std::string& path) const {
  constexpr uint64_t kAlign = 32;
  std::string head;
  Put(head, kMagic);
  Put(head, kVersion);
  Put<uint64_t>(head, tensors_.size());
  Put<uint64_t>(head, metadata_.size());
  for (const auto& [key, v] : metadata_) {
    PutString(head, key);
    if (v.is_array) {
      Put(head, static_cast<uint32_t>(GgufKind::kArray));
      Put(head, static_cast<uint32_t>(v.kind));
      Put<uint64_t>(head, v.value.size());
      for (const auto& e : v.value) PutScalar(head, v.kind, e);
    } else {
      Put(head, static_cast<uint32_t>(v.kind));
      PutScalar(head, v.kind, v.value);
    }
  }
  uint64_t offset = 0;
  for (const Pending& t : tensors_) {
    PutString(head, t.name);
    Put<uint32_t>(head, static_cast<uint32_t>(t.shape.size()));
    for (auto it = t.shape.rbegin(); it != t.shape.rend(); ++it) Put<uint64_t>(head, static_cast<uint64_t>(*it));
    Put(head, static_cast<uint32_t>(t.type));
    Put(head, offset);
    offset = AlignUp(offset + GgmlBytes(t.type, t.shape), kAlign);
  }
  head.resize(AlignUp(head.size(), kAlign), '\0');

  std::FILE* f = std::fopen(path.c_str(), "wb");
  HM_CHECK(f, path, ": cannot create");
  auto write = [&](const void* p, size_t n) {
    if (std::fwrite(p, 1, n, f) != n) {
      std::fclose(f);
      Fail(path, ": write failed (disk full?)");
    }
  };
  write(head.data(), head.size());
  std::vector<uint8_t> buf;
  for (const Pending& t : tensors_) {
    const uint64_t n = GgmlBytes(t.type, t.shape);
    buf.assign(AlignUp(n, kAlign), 0);
    t.fill(std::span<uint8_t>(buf.data(), n));
    write(buf.data(), buf.size());
  }
  HM_CHECK(std::fclose(f) == 0, path, ": write failed");
}

}  // namespace hm
