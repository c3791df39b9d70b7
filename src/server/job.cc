#include "server/job.h"

namespace hm {

void Job::Start(const Usage& usage) {
  {
    std::lock_guard<std::mutex> l(mu_);
    outcome_.usage = usage;
    state_ = State::kRunning;
  }
  cv_.notify_all();
}

void Job::Emit(const std::string& text) {
  if (text.empty()) return;
  {
    std::lock_guard<std::mutex> l(mu_);
    unread_ += text;
  }
  cv_.notify_all();
}

void Job::MarkToken() {
  std::lock_guard<std::mutex> l(mu_);
  outcome_.token_times.push_back(Clock::now());
}

void Job::Finish(const std::string& finish_reason, const Usage& usage) {
  {
    std::lock_guard<std::mutex> l(mu_);
    outcome_.usage = usage;
    outcome_.finish_reason = finish_reason;
    state_ = State::kDone;
  }
  cv_.notify_all();
}

void Job::Fail(int status, const std::string& type, const std::string& message) {
  {
    std::lock_guard<std::mutex> l(mu_);
    outcome_.error_status = status;
    outcome_.error_type = type;
    outcome_.error_message = message;
    state_ = State::kFailed;
  }
  cv_.notify_all();
}

Job::State Job::Wait(std::chrono::milliseconds timeout, std::string* text) {
  std::unique_lock<std::mutex> l(mu_);
  const State seen = state_;
  cv_.wait_for(l, timeout, [&] { return state_ != seen || !unread_.empty(); });
  text->append(unread_);
  unread_.clear();
  return state_;
}

JobOutcome Job::outcome() const {
  std::lock_guard<std::mutex> l(mu_);
  return outcome_;
}

}  // namespace hm
