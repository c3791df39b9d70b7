// The safetensors format: an 8-byte little-endian header length, a JSON header mapping
// tensor names to {dtype, shape, data_offsets}, then the raw tensor bytes.
#pragma once

#include <cstdint>
#include <functional>
#include <map>
#include <memory>
#include <span>
#include <string>
#include <vector>

#include "core/tensor.h"
#include "io/mapped_file.h"

namespace hm {

// Headers larger than this are rejected before parsing (the format's own limit is 100 MB).
inline constexpr uint64_t kMaxSafetensorsHeader = 100ull << 20;

struct SafetensorsEntry {
  std::string name;
  DType dtype;
  std::vector<int64_t> shape;
  uint64_t begin = 0;  // byte offsets into the data section
  uint64_t end = 0;
};

struct SafetensorsHeader {
  std::vector<SafetensorsEntry> tensors;  // in file order of their data
  std::map<std::string, std::string> metadata;
  uint64_t data_start = 0;  // absolute file offset of the data section
};

// Parses and validates the header of a safetensors file held in `bytes`: sizes, JSON,
// dtypes, shapes, offsets in range, byte counts matching shapes, no overlaps.
// Errors name `file` and the offending tensor.
SafetensorsHeader ParseSafetensorsHeader(std::span<const uint8_t> bytes, const std::string& file);

// A mapped safetensors file whose tensors are views into the mapping.
class SafetensorsFile {
 public:
  explicit SafetensorsFile(const std::string& path);

  const std::string& path() const { return file_->path(); }
  const SafetensorsHeader& header() const { return header_; }
  TensorView View(const SafetensorsEntry& entry) const;

 private:
  std::unique_ptr<MappedFile> file_;
  SafetensorsHeader header_;
};

// One tensor to write; `fill` writes exactly nbytes() bytes into the destination buffer,
// so huge checkpoints are produced one tensor at a time.
struct TensorToWrite {
  std::string name;
  DType dtype;
  std::vector<int64_t> shape;
  std::function<void(std::span<uint8_t>)> fill;
  size_t nbytes() const;
};

void WriteSafetensors(const std::string& path, const std::vector<TensorToWrite>& tensors,
                      const std::map<std::string, std::string>& metadata = {});

}  // namespace hm
