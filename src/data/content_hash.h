// A 128-bit content hash (two FNV-1a-style 64-bit lanes with different mixing) for exact
// duplicate detection and deterministic UIDs. Not cryptographic: collisions are only
// improbable, not hard to forge.
#pragma once

#include <cstdint>
#include <string_view>

namespace hm {

class ContentHash {
 public:
  void Add(std::string_view bytes) {
    for (unsigned char c : bytes) {
      a_ = (a_ ^ c) * 0x100000001b3ULL;
      b_ = (b_ ^ c) * 0x100000001b3ULL + 0x9e3779b97f4a7c15ULL;
    }
  }
  // Separates fields, so ("ab", "c") and ("a", "bc") differ.
  void AddField(std::string_view bytes) {
    Add(bytes);
    const uint64_t n = bytes.size();
    Add(std::string_view(reinterpret_cast<const char*>(&n), sizeof n));
  }
  unsigned __int128 Value() const { return (static_cast<unsigned __int128>(a_) << 64) | b_; }

 private:
  uint64_t a_ = 1469598103934665603ULL, b_ = 1099511628211ULL * 31;
};

}  // namespace hm
