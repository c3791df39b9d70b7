// A progress line on stderr with rate and time left: redrawn in place on a terminal,
// printed every 10% (and at the end) otherwise, so logs stay short.
#pragma once

#include <chrono>
#include <cstdint>
#include <cstdio>
#include <string>

namespace hm::eval {

class Progress {
 public:
  Progress(std::string label, int64_t total, std::FILE* out = stderr);
  // `done` samples of `total` are finished (thread-compatible: call under one lock).
  void Update(int64_t done);
  void Finish();

  // "[#####-----]  50/100  50.0%  1.20 s/sample  ETA 1m 00s" (exposed for tests).
  static std::string Line(const std::string& label, int64_t done, int64_t total, double elapsed_seconds);

 private:
  std::string label_;
  int64_t total_;
  std::FILE* out_;
  bool tty_;
  int last_decile_ = -1;
  std::chrono::steady_clock::time_point start_;
};

}  // namespace hm::eval
