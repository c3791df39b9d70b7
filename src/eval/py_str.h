// Python `str` semantics on UTF-8 text, for the scoring rules that MedUniEval, NLTK and
// rouge write in Python: lower() with full case mapping, isspace()/strip()/split() on
// Python's whitespace set, lengths and slices in code points. Inputs are valid UTF-8
// (ScoreInput repairs them once); splitting and replacing by a substring give the same
// result on UTF-8 bytes as on code points, so only these need code-point care.
#pragma once

#include <string>
#include <string_view>
#include <vector>

namespace hm::eval {

// str.isspace() for one code point (Py_UNICODE_ISSPACE).
bool PyIsSpace(char32_t c);
// The regex class \d of a Python str pattern: Unicode decimal digits (category Nd).
bool PyIsDecimal(char32_t c);

std::string PyLower(std::string_view s);
std::string PyStrip(std::string_view s);
// str.split(): runs of whitespace separate, no empty pieces.
std::vector<std::string> PySplit(std::string_view s);
// str.split(sep) with a non-empty sep: every occurrence separates, empty pieces kept.
std::vector<std::string> PySplit(std::string_view s, std::string_view sep);
// The last piece of str.split(sep): the text after the last occurrence (or all of s).
std::string_view PyAfterLast(std::string_view s, std::string_view sep);
// str.replace(old, new) with a non-empty old.
std::string PyReplace(std::string_view s, std::string_view old_text, std::string_view new_text);
bool Contains(std::string_view s, std::string_view part);

std::u32string CodePoints(std::string_view s);
std::string Utf8(std::u32string_view s);
// s[:n] in code points.
std::string PyPrefix(std::string_view s, size_t n);

}  // namespace hm::eval
