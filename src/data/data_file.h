// Training data files as the data tools read them: JSON lines (one record per line, blank
// lines skipped) or one JSON array of records. A record that does not parse is handed over
// with its error instead of stopping the file.
#pragma once

#include <cstdint>
#include <functional>
#include <nlohmann/json.hpp>
#include <string>

namespace hm {

struct FileRecord {
  std::string where;  // "file:LINE" for JSON lines, "file:#N" for the N-th record of an array
  nlohmann::json record;
  std::string error;  // non-empty when the record is not valid JSON
};

// Calls `fn` for every record of `path` in order. Throws hm::Error only when the file itself
// cannot be read (or a .json file is not an array).
void ForEachRecord(const std::string& path, const std::function<void(const FileRecord&)>& fn);

// The folder media paths of `path`'s records are relative to, unless one is given.
std::string MediaRootOf(const std::string& path);

}  // namespace hm
