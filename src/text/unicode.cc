#include "text/unicode.h"

#include <unicode/bytestream.h>
#include <unicode/normalizer2.h>
#include <unicode/uchar.h>

#include <array>

#include "core/error.h"

namespace hm {
namespace {

uint8_t ComputeClass(char32_t cp) {
  uint8_t bits = 0;
  const uint32_t mask = U_GET_GC_MASK(static_cast<UChar32>(cp));
  if (mask & U_GC_L_MASK) bits |= kClassLetter;
  if (mask & U_GC_N_MASK) bits |= kClassNumber;
  if (u_isUWhiteSpace(static_cast<UChar32>(cp))) bits |= kClassSpace;
  if (cp == '\r' || cp == '\n') bits |= kClassNewline;
  return bits;
}

// ASCII dominates real text: answer it from a table instead of ICU's trie.
const std::array<uint8_t, 128> kAsciiClass = [] {
  std::array<uint8_t, 128> t{};
  for (char32_t c = 0; c < 128; ++c) t[c] = ComputeClass(c);
  return t;
}();

}  // namespace

uint8_t CharClassOf(char32_t cp) { return cp < 128 ? kAsciiClass[cp] : ComputeClass(cp); }

std::string NfcNormalize(std::string_view s) {
  size_t i = 0;
  while (i < s.size() && static_cast<uint8_t>(s[i]) < 0x80) ++i;
  if (i == s.size()) return std::string(s);
  UErrorCode status = U_ZERO_ERROR;
  const icu::Normalizer2* nfc = icu::Normalizer2::getNFCInstance(status);
  HM_CHECK(U_SUCCESS(status), "ICU: cannot load NFC data: ", u_errorName(status));
  std::string out;
  out.reserve(s.size());
  icu::StringByteSink<std::string> sink(&out);
  nfc->normalizeUTF8(0, icu::StringPiece(s.data(), static_cast<int32_t>(s.size())), sink, nullptr,
                     status);
  HM_CHECK(U_SUCCESS(status), "ICU: NFC normalization failed: ", u_errorName(status));
  return out;
}

}  // namespace hm
