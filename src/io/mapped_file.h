// A whole file mapped read-only into memory. Weights are used in place from the mapping,
// so loading a checkpoint costs page-table entries, not a copy.
#pragma once

#include <cstddef>
#include <cstdint>
#include <string>

namespace hm {

class MappedFile {
 public:
  // Throws hm::Error naming the path if it cannot be opened or mapped.
  explicit MappedFile(const std::string& path);
  ~MappedFile();
  MappedFile(const MappedFile&) = delete;
  MappedFile& operator=(const MappedFile&) = delete;

  const uint8_t* data() const { return data_; }
  size_t size() const { return size_; }
  const std::string& path() const { return path_; }

 private:
  std::string path_;
  const uint8_t* data_ = nullptr;
  size_t size_ = 0;
};

}  // namespace hm
