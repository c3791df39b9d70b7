#include "media/image_header.h"

#include <cstring>

namespace hm {
namespace {

uint32_t Be32(const uint8_t* p) { return (uint32_t{p[0]} << 24) | (uint32_t{p[1]} << 16) | (uint32_t{p[2]} << 8) | p[3]; }
uint32_t Be16(const uint8_t* p) { return (uint32_t{p[0]} << 8) | p[1]; }

}  // namespace

std::optional<std::pair<int64_t, int64_t>> ImageDimensions(const uint8_t* data, size_t size) {
  static const uint8_t kPng[8] = {0x89, 'P', 'N', 'G', '\r', '\n', 0x1a, '\n'};
  // PNG: the first chunk is IHDR, width and height at bytes 16..23.
  if (size >= 24 && std::memcmp(data, kPng, 8) == 0 && std::memcmp(data + 12, "IHDR", 4) == 0)
    return std::pair<int64_t, int64_t>{Be32(data + 16), Be32(data + 20)};
  if (size < 4 || data[0] != 0xFF || data[1] != 0xD8) return std::nullopt;
  // JPEG: walk the marker segments up to a start-of-frame (SOF0..SOF15 but DHT, JPG, DAC).
  size_t i = 2;
  while (i + 4 <= size) {
    if (data[i] != 0xFF) return std::nullopt;
    const uint8_t marker = data[i + 1];
    if (marker == 0xFF) {  // fill byte
      ++i;
      continue;
    }
    const size_t length = Be16(data + i + 2);
    if (length < 2) return std::nullopt;
    if (marker >= 0xC0 && marker <= 0xCF && marker != 0xC4 && marker != 0xC8 && marker != 0xCC) {
      if (i + 9 > size) return std::nullopt;
      return std::pair<int64_t, int64_t>{Be16(data + i + 7), Be16(data + i + 5)};
    }
    i += 2 + length;
  }
  return std::nullopt;
}

}  // namespace hm
