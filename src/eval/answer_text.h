// Answer extraction from a model response, as MedUniEval does it before judging.
#pragma once

#include <string>
#include <string_view>

namespace hm::eval {

// MathRuler's extract_boxed_content: the brace-balanced content of the LAST "\boxed{",
// stripped, or the string "None" when there is none or it never closes.
std::string ExtractBoxed(std::string_view text);

// MedUniEval's extract(text, tag): the contents of every <tag>...</tag> pair joined by a
// space and stripped; the whole text when there is none (hard mode); "" for "".
std::string ExtractTag(std::string_view text, std::string_view tag);

// MedUniEval's parse_response: lowercase; "\boxed{}" content when the text mentions "boxed"
// (so a bare mention of the word turns the response into "None"; keep_unboxed keeps the
// text instead), else <answer> content; then for each of its patterns in order ("answer is",
// "answer:", "final answer", ...), the text after the pattern's last occurrence.
std::string ParseResponse(std::string_view response, bool keep_unboxed = false);

}  // namespace hm::eval
