#include "eval/strings.h"

#include <algorithm>

namespace hm::eval {

std::string Lower(std::string text) {
  std::transform(text.begin(), text.end(), text.begin(), [](unsigned char c) { return std::tolower(c); });
  return text;
}

std::string Strip(const std::string& text) {
  const char* kSpace = " \t\n\r\f\v";
  const size_t a = text.find_first_not_of(kSpace);
  if (a == std::string::npos) return "";
  return text.substr(a, text.find_last_not_of(kSpace) - a + 1);
}

}  // namespace hm::eval
