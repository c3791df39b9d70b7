#include "eval/py_str.h"

#include <unicode/uchar.h>
#include <unicode/ustring.h>

#include "core/error.h"
#include "text/utf8.h"

namespace hm::eval {

bool PyIsSpace(char32_t c) {
  if (c < 0x80) return (c >= 0x09 && c <= 0x0D) || (c >= 0x1C && c <= 0x20);
  return c == 0x85 || c == 0xA0 || c == 0x1680 || (c >= 0x2000 && c <= 0x200A) || c == 0x2028 ||
         c == 0x2029 || c == 0x202F || c == 0x205F || c == 0x3000;
}

bool PyIsDecimal(char32_t c) {
  if (c < 0x80) return c >= '0' && c <= '9';
  return u_charType(static_cast<UChar32>(c)) == U_DECIMAL_DIGIT_NUMBER;
}

std::u32string CodePoints(std::string_view s) {
  std::u32string out;
  out.reserve(s.size());
  for (size_t i = 0; i < s.size();) {
    int len = 1;
    out.push_back(DecodeUtf8(s, i, &len));
    i += len;
  }
  return out;
}

std::string Utf8(std::u32string_view s) {
  std::string out;
  out.reserve(s.size());
  for (char32_t c : s) AppendUtf8(out, c);
  return out;
}

std::string PyPrefix(std::string_view s, size_t n) {
  size_t i = 0;
  for (size_t count = 0; i < s.size() && count < n; ++count) {
    int len = 1;
    DecodeUtf8(s, i, &len);
    i += len;
  }
  return std::string(s.substr(0, i));
}

std::string PyLower(std::string_view s) {
  bool ascii = true;
  for (unsigned char c : s) ascii = ascii && c < 0x80;
  if (ascii) {
    std::string out(s);
    for (char& c : out)
      if (c >= 'A' && c <= 'Z') c = static_cast<char>(c - 'A' + 'a');
    return out;
  }
  // ICU's root-locale full lowercase mapping (final sigma, U+0130 -> "i\u0307") is Python's.
  UErrorCode err = U_ZERO_ERROR;
  int32_t len16 = 0;
  u_strFromUTF8(nullptr, 0, &len16, s.data(), static_cast<int32_t>(s.size()), &err);
  std::u16string src(static_cast<size_t>(len16), u'\0');
  err = U_ZERO_ERROR;
  u_strFromUTF8(src.data(), len16, nullptr, s.data(), static_cast<int32_t>(s.size()), &err);
  HM_CHECK(U_SUCCESS(err), "lowercasing: invalid UTF-8");
  std::u16string dst(src.size() * 3 + 4, u'\0');
  err = U_ZERO_ERROR;
  int32_t n = u_strToLower(dst.data(), static_cast<int32_t>(dst.size()), src.data(), len16, "", &err);
  HM_CHECK(U_SUCCESS(err), "lowercasing failed");
  dst.resize(static_cast<size_t>(n));
  std::string out;
  int32_t len8 = 0;
  err = U_ZERO_ERROR;
  u_strToUTF8(nullptr, 0, &len8, dst.data(), n, &err);
  out.resize(static_cast<size_t>(len8));
  err = U_ZERO_ERROR;
  u_strToUTF8(out.data(), len8, nullptr, dst.data(), n, &err);
  HM_CHECK(U_SUCCESS(err), "lowercasing: UTF-8 conversion failed");
  return out;
}

namespace {

// Byte length of the whitespace code point at s[i], or 0.
int SpaceAt(std::string_view s, size_t i) {
  int len = 1;
  char32_t c = DecodeUtf8(s, i, &len);
  return PyIsSpace(c) ? len : 0;
}

}  // namespace

std::string PyStrip(std::string_view s) {
  size_t begin = 0;
  while (begin < s.size()) {
    int len = SpaceAt(s, begin);
    if (len == 0) break;
    begin += len;
  }
  size_t end = s.size();
  while (end > begin) {
    size_t start = end - 1;
    while (start > begin && (static_cast<unsigned char>(s[start]) & 0xC0) == 0x80) --start;
    if (SpaceAt(s, start) == 0) break;
    end = start;
  }
  return std::string(s.substr(begin, end - begin));
}

std::vector<std::string> PySplit(std::string_view s) {
  std::vector<std::string> out;
  size_t i = 0;
  while (i < s.size()) {
    int len = SpaceAt(s, i);
    if (len > 0) {
      i += len;
      continue;
    }
    size_t start = i;
    while (i < s.size() && SpaceAt(s, i) == 0) {
      int l = 1;
      DecodeUtf8(s, i, &l);
      i += l;
    }
    out.emplace_back(s.substr(start, i - start));
  }
  return out;
}

std::vector<std::string> PySplit(std::string_view s, std::string_view sep) {
  std::vector<std::string> out;
  size_t start = 0;
  for (size_t pos; (pos = s.find(sep, start)) != std::string_view::npos; start = pos + sep.size())
    out.emplace_back(s.substr(start, pos - start));
  out.emplace_back(s.substr(start));
  return out;
}

std::string_view PyAfterLast(std::string_view s, std::string_view sep) {
  // Scans forward like split(): with a self-overlapping sep ("**answer**") the last
  // non-overlapping match is not always the one rfind finds.
  size_t start = 0;
  for (size_t pos; (pos = s.find(sep, start)) != std::string_view::npos;) start = pos + sep.size();
  return s.substr(start);
}

std::string PyReplace(std::string_view s, std::string_view old_text, std::string_view new_text) {
  std::string out;
  size_t start = 0;
  for (size_t pos; (pos = s.find(old_text, start)) != std::string_view::npos;
       start = pos + old_text.size()) {
    out.append(s.substr(start, pos - start));
    out.append(new_text);
  }
  out.append(s.substr(start));
  return out;
}

bool Contains(std::string_view s, std::string_view part) { return s.find(part) != std::string_view::npos; }

}  // namespace hm::eval
