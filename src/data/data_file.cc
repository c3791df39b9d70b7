#include "data/data_file.h"

#include <filesystem>
#include <cctype>
#include <fstream>
#include <sstream>

#include "core/error.h"

namespace hm {

std::string MediaRootOf(const std::string& path) {
  const std::filesystem::path parent = std::filesystem::path(path).parent_path();
  return parent.empty() ? "." : parent.string();
}

namespace {

// The records of a JSON array file, each with the line it starts on, found by scanning for
// the array's top-level commas (strings and nesting respected) so that one bad record is
// reported on its own line instead of failing the file.
void ForEachArrayRecord(const std::string& path, const std::string& text,
                        const std::function<void(const FileRecord&)>& fn) {
  size_t i = 0;
  int64_t line = 1;
  auto skip_space = [&] {
    for (; i < text.size() && std::isspace(static_cast<unsigned char>(text[i])); ++i) line += text[i] == '\n';
  };
  skip_space();
  HM_CHECK(i < text.size() && text[i] == '[', path, ": a .json data file must hold an array of records");
  ++i;
  for (;;) {
    skip_space();
    HM_CHECK(i < text.size(), path, ":", line, ": the array is not closed");
    if (text[i] == ']') return;
    const size_t start = i;
    const int64_t start_line = line;
    int depth = 0;
    bool in_string = false;
    for (; i < text.size(); ++i) {
      const char c = text[i];
      line += c == '\n';
      if (in_string) {
        if (c == '\\') {
          ++i;
        } else if (c == '"') {
          in_string = false;
        }
      } else if (c == '"') {
        in_string = true;
      } else if (c == '{' || c == '[') {
        ++depth;
      } else if (c == '}' || c == ']') {
        if (depth == 0) break;  // the array's own closing bracket
        --depth;
      } else if (c == ',' && depth == 0) {
        break;
      }
    }
    FileRecord r{path + ":" + std::to_string(start_line), nullptr, ""};
    try {
      r.record = nlohmann::json::parse(text.substr(start, i - start));
    } catch (const nlohmann::json::exception& e) {
      r.error = std::string("invalid JSON (") + e.what() + ")";
    }
    fn(r);
    if (i < text.size() && text[i] == ',') ++i;
  }
}

}  // namespace

void ForEachRecord(const std::string& path, const std::function<void(const FileRecord&)>& fn) {
  std::ifstream in(path, std::ios::binary);
  HM_CHECK(in, path, ": cannot open");
  const bool array = path.size() >= 5 && path.compare(path.size() - 5, 5, ".json") == 0;
  if (array) {
    std::stringstream ss;
    ss << in.rdbuf();
    ForEachArrayRecord(path, ss.str(), fn);
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
