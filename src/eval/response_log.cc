#include "eval/response_log.h"

#include <filesystem>
#include <fstream>
#include <sstream>

#include "core/error.h"
#include "eval/jsonl.h"

namespace hm::eval {

ResponseLog::ResponseLog(const std::string& path) : path_(path) {
  const std::filesystem::path p(path);
  if (p.has_parent_path()) std::filesystem::create_directories(p.parent_path());
  if (std::filesystem::exists(p)) {
    std::ifstream in(path, std::ios::binary);
    std::stringstream buffer;
    buffer << in.rdbuf();
    const std::string text = buffer.str();
    const size_t keep = text.empty() || text.back() == '\n' ? text.size() : text.rfind('\n') + 1;  // npos + 1 == 0
    if (keep != text.size()) std::filesystem::resize_file(p, keep);
    for (const auto& record : ReadJsonLines(path))
      if (record.contains("id") && record["id"].is_string()) answered_.insert(record["id"].get<std::string>());
  }
  file_ = std::fopen(path.c_str(), "ab");
  HM_CHECK(file_, path, ": cannot open for appending");
}

ResponseLog::~ResponseLog() {
  if (file_) std::fclose(file_);
}

void ResponseLog::Append(const nlohmann::ordered_json& record) {
  const std::string line = record.dump(-1, ' ', false, nlohmann::json::error_handler_t::replace) + "\n";
  std::lock_guard<std::mutex> lock(mutex_);
  HM_CHECK(std::fwrite(line.data(), 1, line.size(), file_) == line.size() && std::fflush(file_) == 0, path_,
           ": write failed");
}

}  // namespace hm::eval
