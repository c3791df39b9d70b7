// JSON Lines: one JSON value per line. The response logs are appended to line by line and
// may end in a torn line after a kill; readers of those skip it (see ResponseLog).
#pragma once

#include <functional>
#include <nlohmann/json.hpp>
#include <string>
#include <vector>

namespace hm::eval {

// Every non-blank line of `path` parsed; a bad line is an hm::Error naming path and line,
// unless `skip_torn_last_line` and it is the last line without a final newline.
std::vector<nlohmann::json> ReadJsonLines(const std::string& path, bool skip_torn_last_line = false);

// Writes all values, one per line, replacing `path` atomically (temp file + rename).
void WriteJsonLines(const std::string& path, const std::vector<nlohmann::ordered_json>& values);

// Writes `text` to `path` atomically.
void WriteTextFile(const std::string& path, const std::string& text);

}  // namespace hm::eval
