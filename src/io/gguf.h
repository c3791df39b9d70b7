// GGUF (version 3), the llama.cpp ecosystem's single-file model format: a little-endian
// header of typed key/value metadata and tensor descriptions, then the tensor bytes, each
// aligned to general.alignment (default 32). ggml lists dimensions innermost first; this
// API uses row-major shapes (outermost first), like safetensors, and converts at the edge.
#pragma once

#include <cstdint>
#include <functional>
#include <map>
#include <memory>
#include <span>
#include <string>
#include <vector>

#include <nlohmann/json.hpp>

#include "core/dtype.h"
#include "io/mapped_file.h"
#include "kernels/quant.h"

namespace hm {

// ggml tensor types we read and write.
enum class GgmlType : uint32_t { kF32 = 0, kF16 = 1, kQ4_0 = 2, kQ8_0 = 8, kQ4_K = 12, kBF16 = 30 };

// A tensor element layout: dense dtype or a block format.
struct GgmlLayout {
  DType dtype = DType::kF32;  // when blocks == kNone
  kernels::BlockType blocks = kernels::BlockType::kNone;
};
GgmlLayout LayoutOf(GgmlType t);
GgmlType GgmlTypeOf(const GgmlLayout& layout);  // throws for dtypes GGUF cannot hold
// Bytes of a tensor of this shape (row-major, last dim innermost); throws if the last dim
// is not whole blocks.
uint64_t GgmlBytes(GgmlType t, const std::vector<int64_t>& shape);

// Metadata value kinds (the GGUF value type ids).
enum class GgufKind : uint32_t {
  kU8 = 0, kI8 = 1, kU16 = 2, kI16 = 3, kU32 = 4, kI32 = 5, kF32 = 6, kBool = 7,
  kString = 8, kArray = 9, kU64 = 10, kI64 = 11, kF64 = 12
};

// A metadata value: its kind (for arrays, the element kind) and the value as JSON
// (number, bool, string, or array of those).
struct GgufValue {
  GgufKind kind = GgufKind::kU32;
  bool is_array = false;
  nlohmann::json value;
};

struct GgufTensorInfo {
  std::string name;
  GgmlType type = GgmlType::kF32;
  std::vector<int64_t> shape;  // row-major (outermost first)
  uint64_t offset = 0;         // absolute file offset of the data
  uint64_t nbytes = 0;
};

struct GgufHeader {
  std::map<std::string, GgufValue> metadata;
  std::vector<GgufTensorInfo> tensors;  // in file order
  uint64_t alignment = 32;
};

// Parses and validates a whole GGUF file held in `bytes`: magic, version, every length,
// count and offset against the bytes present, known types, shapes, alignment, no overlaps,
// no duplicate names. Errors name `file` and the key or tensor at fault.
GgufHeader ParseGguf(std::span<const uint8_t> bytes, const std::string& file);

// A mapped GGUF file; tensor data are used in place.
class GgufFile {
 public:
  explicit GgufFile(const std::string& path);
  const std::string& path() const { return file_->path(); }
  const GgufHeader& header() const { return header_; }
  const GgufTensorInfo* Find(const std::string& name) const;
  const void* Data(const GgufTensorInfo& t) const { return file_->data() + t.offset; }
  // Metadata lookups; throw hm::Error naming the file and key if absent or of another kind.
  const GgufValue& Get(const std::string& key) const;
  std::string GetString(const std::string& key) const;

 private:
  std::unique_ptr<MappedFile> file_;
  GgufHeader header_;
  std::map<std::string, size_t> index_;
};

// Builds a GGUF file: metadata first, then tensors written one at a time by their fill
// callbacks, so a 16 GB model never needs to be in memory at once.
class GgufWriter {
 public:
  void Set(const std::string& key, GgufKind kind, nlohmann::json value);
  void SetArray(const std::string& key, GgufKind element_kind, nlohmann::json values);
  void AddTensor(const std::string& name, GgmlType type, std::vector<int64_t> shape,
                 std::function<void(std::span<uint8_t>)> fill);
  void Write(const std::string& path) const;

 private:
  struct Pending {
    std::string name;
    GgmlType type;
    std::vector<int64_t> shape;
    std::function<void(std::span<uint8_t>)> fill;
  };
  std::vector<std::pair<std::string, GgufValue>> metadata_;
  std::vector<Pending> tensors_;
};

}  // namespace hm
