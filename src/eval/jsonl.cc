#include "eval/jsonl.h"

#include <cstdio>
#include <filesystem>
#include <fstream>
#include <sstream>
#include <thread>

#include "core/error.h"

namespace hm::eval {

std::vector<nlohmann::json> ReadJsonLines(const std::string& path, bool skip_torn_last_line) {
  std::ifstream in(path, std::ios::binary);
  HM_CHECK(in, path, ": cannot open");
  std::stringstream buffer;
  buffer << in.rdbuf();
  const std::string text = buffer.str();
  std::vector<nlohmann::json> out;
  size_t start = 0, line_no = 0;
  while (start < text.size()) {
    size_t end = text.find('\n', start);
    const bool torn = end == std::string::npos;
    if (torn) end = text.size();
    ++line_no;
    const std::string line = text.substr(start, end - start);
    start = end + 1;
    if (line.find_first_not_of(" \t\r") == std::string::npos) continue;
    try {
      out.push_back(nlohmann::json::parse(line));
    } catch (const nlohmann::json::exception& e) {
      if (torn && skip_torn_last_line) break;
      throw Error(path + ":" + std::to_string(line_no) + ": not JSON (" + e.what() + ")");
    }
  }
  return out;
}

void WriteTextFile(const std::string& path, const std::string& text) {
  // A temp name per writing thread: threads writing the same file do not clobber each other's.
  const std::string tmp = path + ".tmp" + std::to_string(std::hash<std::thread::id>{}(std::this_thread::get_id()) % 1000000);
  {
    std::ofstream out(tmp, std::ios::binary | std::ios::trunc);
    HM_CHECK(out, tmp, ": cannot write");
    out << text;
    HM_CHECK(out.good(), tmp, ": write failed");
  }
  std::filesystem::rename(tmp, path);
}

void WriteJsonLines(const std::string& path, const std::vector<nlohmann::ordered_json>& values) {
  std::string text;
  for (const auto& v : values) text += v.dump(-1, ' ', false, nlohmann::json::error_handler_t::replace) + "\n";
  WriteTextFile(path, text);
}

}  // namespace hm::eval
