#include "data/response_cache.h"

#include <cstdio>
#include <filesystem>
#include <fstream>
#include <sstream>

#include "data/content_hash.h"
#include "eval/jsonl.h"

namespace hm {

ResponseCache::ResponseCache(std::string dir) : dir_(std::move(dir)) {
  if (!dir_.empty()) std::filesystem::create_directories(dir_);
}

std::string ResponseCache::PathFor(const std::string& request_body) const {
  ContentHash hash;
  hash.Add(request_body);
  const unsigned __int128 v = hash.Value();
  char hex[33];
  std::snprintf(hex, sizeof hex, "%016llx%016llx", static_cast<unsigned long long>(v >> 64),
                static_cast<unsigned long long>(v));
  // Two-digit subfolders keep directories small for large runs.
  return (std::filesystem::path(dir_) / std::string(hex, 2) / (std::string(hex) + ".txt")).string();
}

std::optional<std::string> ResponseCache::Lookup(const std::string& request_body) const {
  if (dir_.empty()) return std::nullopt;
  std::ifstream in(PathFor(request_body), std::ios::binary);
  if (!in) return std::nullopt;
  std::stringstream buffer;
  buffer << in.rdbuf();
  return buffer.str();
}

void ResponseCache::Store(const std::string& request_body, const std::string& response) const {
  if (dir_.empty()) return;
  const std::string path = PathFor(request_body);
  std::filesystem::create_directories(std::filesystem::path(path).parent_path());
  eval::WriteTextFile(path, response);
}

}  // namespace hm
