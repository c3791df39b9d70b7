#include "eval/answer_text.h"

#include "eval/py_str.h"

namespace hm::eval {

std::string ExtractBoxed(std::string_view text) {
  constexpr std::string_view kOpen = "\\boxed{";
  size_t start = text.rfind(kOpen);
  if (start == std::string_view::npos) return "None";
  std::string_view content = text.substr(start + kOpen.size());
  int depth = 0;
  for (size_t i = 0; i < content.size(); ++i) {
    if (content[i] == '{') ++depth;
    else if (content[i] == '}') --depth;
    if (depth == -1) return PyStrip(content.substr(0, i));
  }
  return "None";
}

std::string ExtractTag(std::string_view text, std::string_view tag) {
  if (text.empty()) return "";
  std::string open = "<" + std::string(tag) + ">", close = "</" + std::string(tag) + ">";
  std::string found;
  size_t start = text.find(open);
  while (start != std::string_view::npos) {
    size_t end = text.find(close, start + open.size());
    if (end == std::string_view::npos) break;
    found.append(text.substr(start + open.size(), end - start - open.size()));
    found += ' ';
    start = text.find(open, end + close.size());
  }
  found = PyStrip(found);
  return found.empty() ? std::string(text) : found;
}

std::string ParseResponse(std::string_view response, bool keep_unboxed) {
  std::string text = PyLower(response);
  if (Contains(text, "boxed")) {
    std::string boxed = ExtractBoxed(text);
    if (!(keep_unboxed && boxed == "None")) text = boxed;
  } else if (Contains(text, "<answer>")) {
    text = ExtractTag(text, "answer");
  }
  static constexpr std::string_view kPatterns[] = {"**answer**:", "**answer**", "*answer*:",    "**answer:**",
                                                   "answer is",   "answer:",    "答案:", "final answer",
                                                   "final answer is"};
  for (std::string_view pattern : kPatterns)
    if (Contains(text, pattern)) text = std::string(PyAfterLast(text, pattern));
  return text;
}

}  // namespace hm::eval
