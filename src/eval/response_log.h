// The append-only record of a run: one JSON line per answered sample, flushed as soon as it
// is written, so a killed run loses at most the samples in flight and a rerun skips every
// sample already in the file.
#pragma once

#include <cstdio>
#include <mutex>
#include <nlohmann/json.hpp>
#include <set>
#include <string>

namespace hm::eval {

class ResponseLog {
 public:
  // Opens (creating folders and file) for appending. A torn last line left by a kill is cut
  // off first, so the next record starts on a line of its own.
  explicit ResponseLog(const std::string& path);
  ~ResponseLog();
  ResponseLog(const ResponseLog&) = delete;
  ResponseLog& operator=(const ResponseLog&) = delete;

  // Ids of the records the file held when opened.
  const std::set<std::string>& answered() const { return answered_; }

  // Writes one line and flushes it to the OS; safe to call from several threads.
  void Append(const nlohmann::ordered_json& record);

 private:
  std::string path_;
  std::FILE* file_ = nullptr;
  std::mutex mutex_;
  std::set<std::string> answered_;
};

}  // namespace hm::eval
