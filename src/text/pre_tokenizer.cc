#include "text/pre_tokenizer.h"

#include "text/unicode.h"
#include "text/utf8.h"

namespace hm {

const std::string_view kQwenSplitPattern =
    R"((?i:'s|'t|'re|'ve|'m|'ll|'d)|[^\r\n\p{L}\p{N}]?\p{L}+|\p{N}| ?[^\s\p{L}\p{N}]+[\r\n]*|\s*[\r\n]+|\s+(?!\S)|\s+)";

namespace {

struct Cursor {
  std::string_view s;
  // Class bits and byte length of the character at byte i (i < s.size()).
  uint8_t At(size_t i, int* len) const {
    const uint8_t b = static_cast<uint8_t>(s[i]);
    if (b < 0x80) {
      *len = 1;
      return CharClassOf(b);
    }
    return CharClassOf(DecodeUtf8(s, i, len));
  }
  uint8_t ClassAt(size_t i) const {
    int len;
    return i < s.size() ? At(i, &len) : 0;
  }
  // Advances past characters whose class satisfies pred.
  template <typename Pred>
  size_t SkipWhile(size_t i, Pred pred) const {
    int len;
    while (i < s.size() && pred(At(i, &len))) i += len;
    return i;
  }
};

bool IsOther(uint8_t c) { return (c & (kClassLetter | kClassNumber | kClassSpace)) == 0; }

// (?i:'s|'t|'re|'ve|'m|'ll|'d): end of the contraction at i, or 0. Case folding makes
// U+017F LATIN SMALL LETTER LONG S match 's' too.
size_t MatchContraction(std::string_view s, size_t i) {
  if (s[i] != '\'' || i + 1 >= s.size()) return 0;
  auto lower = [&](size_t k) { return k < s.size() ? static_cast<char>(s[k] | 0x20) : '\0'; };
  const char c = lower(i + 1);
  if (c == 's' || c == 't' || c == 'm' || c == 'd') return i + 2;
  if (s.compare(i + 1, 2, "\xC5\xBF") == 0) return i + 3;
  if ((c == 'r' && lower(i + 2) == 'e') || (c == 'v' && lower(i + 2) == 'e') ||
      (c == 'l' && lower(i + 2) == 'l'))
    return i + 3;
  return 0;
}

size_t MatchAt(const Cursor& cur, size_t i) {
  const std::string_view s = cur.s;
  if (size_t end = MatchContraction(s, i)) return end;
  int len;
  const uint8_t c = cur.At(i, &len);
  auto letter = [](uint8_t k) { return (k & kClassLetter) != 0; };
  // [^\r\n\p{L}\p{N}]?\p{L}+
  if (letter(c)) return cur.SkipWhile(i, letter);
  if (!(c & (kClassNewline | kClassNumber)) && letter(cur.ClassAt(i + len)))
    return cur.SkipWhile(i + len, letter);
  // \p{N}
  if (c & kClassNumber) return i + len;
  // ' ?[^\s\p{L}\p{N}]+[\r\n]*'
  const bool space_then_other = s[i] == ' ' && IsOther(cur.ClassAt(i + 1));
  if (space_then_other || IsOther(c)) {
    const size_t end = cur.SkipWhile(space_then_other ? i + 1 : i, IsOther);
    return cur.SkipWhile(end, [](uint8_t k) { return (k & kClassNewline) != 0; });
  }
  // Whitespace: the run [i, run_end) decides between the three remaining alternatives.
  size_t last_newline_end = 0, last_char = i, k = i;
  while (k < s.size()) {
    const uint8_t kc = cur.At(k, &len);
    if (!(kc & kClassSpace)) break;
    if (kc & kClassNewline) last_newline_end = k + len;
    last_char = k;
    k += len;
  }
  const size_t run_end = k;
  if (last_newline_end) return last_newline_end;                    // \s*[\r\n]+
  if (run_end == s.size() || last_char == i) return run_end;         // \s+(?!\S) whole, or \s+
  return last_char;                                                   // \s+(?!\S) minus one
}

}  // namespace

void SplitQwen(std::string_view text, const std::function<void(size_t, size_t)>& piece) {
  const Cursor cur{text};
  size_t i = 0;
  while (i < text.size()) {
    const size_t end = MatchAt(cur, i);
    piece(i, end);
    i = end;
  }
}

}  // namespace hm
