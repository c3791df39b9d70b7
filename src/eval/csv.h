// CSV as Python's csv.reader reads it with the default (excel) dialect: comma separated,
// fields optionally in double quotes, "" inside quotes is a quote, quoted fields may span lines.
#pragma once

#include <string>
#include <vector>

namespace hm::eval {

std::vector<std::vector<std::string>> ParseCsv(const std::string& text);
std::vector<std::vector<std::string>> ReadCsvFile(const std::string& path);

}  // namespace hm::eval
