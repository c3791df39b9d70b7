// One chat completion on its way through the engine: the HTTP thread that admitted it reads
// the answer as the worker writes it, and either side may end it early (client gone,
// timeout, error).
#pragma once

#include <atomic>
#include <chrono>
#include <condition_variable>
#include <mutex>
#include <optional>
#include <string>
#include <vector>

#include "server/completion_request.h"

namespace hm {

using Clock = std::chrono::steady_clock;

struct Usage {
  int64_t prompt_tokens = 0;      // visual tokens included
  int64_t reused_tokens = 0;      // prompt positions served from a cached prefix
  int64_t visual_tokens = 0;      // kept after token reduction
  int64_t completion_tokens = 0;
  double queue_seconds = 0, vision_seconds = 0, prefill_seconds = 0, decode_seconds = 0;
  // The generated ids without the stop id, kept only when the request sets return_token_ids.
  std::optional<std::vector<int32_t>> token_ids;
};

// How a job ended, read as one snapshot once its state is kDone / kFailed.
struct JobOutcome {
  Usage usage;
  std::string finish_reason;  // "stop", "length", "timeout", ... (kDone)
  int error_status = 0;       // HTTP status, type and message (kFailed)
  std::string error_type, error_message;
  std::vector<Clock::time_point> token_times;  // when each generated id was sampled
};

class Job {
 public:
  enum class State { kQueued, kRunning, kDone, kFailed };

  Job(std::string id, CompletionRequest request, Clock::time_point deadline)
      : id_(std::move(id)), request_(std::move(request)), admitted_(Clock::now()), deadline_(deadline) {}

  const std::string& id() const { return id_; }
  CompletionRequest& request() { return request_; }
  Clock::time_point admitted() const { return admitted_; }
  bool expired() const { return Clock::now() >= deadline_; }
  void Cancel() { cancelled_ = true; }
  bool cancelled() const { return cancelled_; }

  // Worker side.
  void Start(const Usage& usage);
  void Emit(const std::string& text);
  void MarkToken();  // one more id sampled, for latency figures
  void Finish(const std::string& finish_reason, const Usage& usage);
  void Fail(int status, const std::string& type, const std::string& message);

  // HTTP side: waits until the state changes or text arrives (at most `timeout`), moves the
  // unread text into *text and returns the state.
  State Wait(std::chrono::milliseconds timeout, std::string* text);
  JobOutcome outcome() const;

 private:
  const std::string id_;
  CompletionRequest request_;
  const Clock::time_point admitted_, deadline_;
  std::atomic<bool> cancelled_{false};

  mutable std::mutex mu_;
  std::condition_variable cv_;
  State state_ = State::kQueued;
  std::string unread_;
  JobOutcome outcome_;
};

}  // namespace hm
