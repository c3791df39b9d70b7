#include "text/utf8.h"

#include <cstdint>

namespace hm {
namespace {

// Length of the sequence a lead byte announces and the range its second byte must fall
// in (Unicode Table 3-7); len 0 marks a byte that can never start a sequence.
struct Lead {
  int len;
  uint8_t lo, hi;
};

Lead LeadOf(uint8_t b) {
  if (b < 0x80) return {1, 0, 0};
  if (b >= 0xC2 && b <= 0xDF) return {2, 0x80, 0xBF};
  if (b == 0xE0) return {3, 0xA0, 0xBF};
  if (b == 0xED) return {3, 0x80, 0x9F};
  if (b >= 0xE1 && b <= 0xEF) return {3, 0x80, 0xBF};
  if (b == 0xF0) return {4, 0x90, 0xBF};
  if (b >= 0xF1 && b <= 0xF3) return {4, 0x80, 0xBF};
  if (b == 0xF4) return {4, 0x80, 0x8F};
  return {0, 0, 0};
}

// Bytes of a well-formed sequence at s[i], or -(bytes of the maximal ill-formed subpart);
// a truncated but so far well-formed sequence at the end reports -(its length) with
// *truncated set.
int Scan(std::string_view s, size_t i, bool* truncated) {
  *truncated = false;
  const Lead lead = LeadOf(static_cast<uint8_t>(s[i]));
  if (lead.len == 0) return -1;
  for (int k = 1; k < lead.len; ++k) {
    if (i + k >= s.size()) {
      *truncated = true;
      return -k;
    }
    const uint8_t c = static_cast<uint8_t>(s[i + k]);
    const uint8_t lo = k == 1 ? lead.lo : 0x80, hi = k == 1 ? lead.hi : 0xBF;
    if (c < lo || c > hi) return -k;
  }
  return lead.len;
}

}  // namespace

char32_t DecodeUtf8(std::string_view s, size_t i, int* len) {
  const uint8_t b = static_cast<uint8_t>(s[i]);
  if (b < 0x80) {
    *len = 1;
    return b;
  }
  const int n = b >= 0xF0 ? 4 : b >= 0xE0 ? 3 : 2;
  char32_t cp = b & (0x7F >> n);
  for (int k = 1; k < n; ++k) cp = (cp << 6) | (static_cast<uint8_t>(s[i + k]) & 0x3F);
  *len = n;
  return cp;
}

void AppendUtf8(std::string& out, char32_t cp) {
  if (cp < 0x80) {
    out += static_cast<char>(cp);
  } else if (cp < 0x800) {
    out += static_cast<char>(0xC0 | (cp >> 6));
    out += static_cast<char>(0x80 | (cp & 0x3F));
  } else if (cp < 0x10000) {
    out += static_cast<char>(0xE0 | (cp >> 12));
    out += static_cast<char>(0x80 | ((cp >> 6) & 0x3F));
    out += static_cast<char>(0x80 | (cp & 0x3F));
  } else {
    out += static_cast<char>(0xF0 | (cp >> 18));
    out += static_cast<char>(0x80 | ((cp >> 12) & 0x3F));
    out += static_cast<char>(0x80 | ((cp >> 6) & 0x3F));
    out += static_cast<char>(0x80 | (cp & 0x3F));
  }
}

bool IsValidUtf8(std::string_view s) {
  size_t i = 0;
  bool truncated;
  while (i < s.size()) {
    if (static_cast<uint8_t>(s[i]) < 0x80) {
      ++i;
      continue;
    }
    const int n = Scan(s, i, &truncated);
    if (n < 0) return false;
    i += n;
  }
  return true;
}

std::string RepairUtf8(std::string_view s, size_t* held_tail) {
  std::string out;
  out.reserve(s.size());
  if (held_tail) *held_tail = 0;
  size_t i = 0;
  bool truncated;
  while (i < s.size()) {
    const int n = Scan(s, i, &truncated);
    if (n > 0) {
      out.append(s.data() + i, n);
      i += n;
      continue;
    }
    if (truncated && held_tail) {
      *held_tail = s.size() - i;
      break;
    }
    out += "\xEF\xBF\xBD";
    i += -n;
  }
  return out;
}

}  // namespace hm
