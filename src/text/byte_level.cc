#include "text/byte_level.h"

#include <array>

#include "text/utf8.h"

namespace hm {
namespace {

// Printable Latin-1 bytes stand for themselves; the 68 others are numbered from U+0100 up
// in byte order. Indexed by code point (< 0x144), value is byte + 1 (0 = not in table).
const std::array<uint16_t, 0x144> kCodePointToByte = [] {
  std::array<uint16_t, 0x144> t{};
  int next = 0;
  for (int b = 0; b < 256; ++b) {
    const bool printable = (b >= 0x21 && b <= 0x7E) || (b >= 0xA1 && b <= 0xAC) || b >= 0xAE;
    t[printable ? b : 0x100 + next++] = static_cast<uint16_t>(b + 1);
  }
  return t;
}();

}  // namespace

std::string BytesToByteLevel(std::string_view bytes) {
  static const std::array<char32_t, 256> kByteToCodePoint = [] {
    std::array<char32_t, 256> t{};
    for (char32_t cp = 0; cp < kCodePointToByte.size(); ++cp)
      if (kCodePointToByte[cp]) t[kCodePointToByte[cp] - 1] = cp;
    return t;
  }();
  std::string out;
  for (const char c : bytes) AppendUtf8(out, kByteToCodePoint[static_cast<uint8_t>(c)]);
  return out;
}

std::optional<std::string> ByteLevelToBytes(std::string_view token) {
  std::string out;
  out.reserve(token.size());
  if (!IsValidUtf8(token)) return std::nullopt;
  for (size_t i = 0; i < token.size();) {
    int len;
    const char32_t cp = DecodeUtf8(token, i, &len);
    if (cp >= kCodePointToByte.size() || kCodePointToByte[cp] == 0) return std::nullopt;
    out += static_cast<char>(kCodePointToByte[cp] - 1);
    i += len;
  }
  return out;
}

}  // namespace hm
