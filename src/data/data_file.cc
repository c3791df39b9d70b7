#include "data/data_file.h"

#include <filesystem>
#include <fstream>

#include "core/error.h"

namespace hm {

std::string MediaRootOf(const std::string& path) {
  const std::filesystem::path parent = std::filesystem::path(path).parent_path();
  return parent.empty() ? "." : parent.string();
}

void ForEachRecord(const std::string& path, const std::function<void(const FileRecord&)>& fn) {
  std::ifstream in(path, std::ios::binary);
  HM_CHECK(in, path, ": cannot open");
  const bool array = path.size() >= 5 && path.compare(path.size() - 5, 5, ".json") == 0;
  if (array) {
    nlohmann::json all;
    try {
      all = nlohmann::json::parse(in);
    } catch (const nlohmann::json::exception& e) {
      Fail(path, ": invalid JSON (", e.what(), ")");
    }
    HM_CHECK(all.is_array(), path, ": a .json data file must hold an array of records");
    for (size_t i = 0; i < all.size(); ++i) fn({path + ":#" + std::to_string(i + 1), std::move(all[i]), ""});
    return;
  }
  std::string line;
  for (int64_t n = 1; std::getline(in, line); ++n) {
    if (line.find_first_not_of(" \t\r") == std::string::npos) continue;
    FileRecord r{path + ":" + std::to_string(n), nullptr, ""};
    try {
      r.record = nlohmann::json::parse(line);
    } catch (const nlohmann::json::exception& e) {
      r.error = std::string("invalid JSON (") + e.what() + ")";
    }
    fn(r);
  }
}

}  // namespace hm
