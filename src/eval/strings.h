// Python's str.lower() and str.strip() on ASCII, which MedUniEval applies to answers and
// responses before its rules see them.
#pragma once

#include <string>

namespace hm::eval {

std::string Lower(std::string text);
std::string Strip(const std::string& text);

}  // namespace hm::eval
