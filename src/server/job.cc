#include "server/job.h"

namespace hm {

void Job::Start(const Usage& usage) {
  {
    std::lock_guard<std::mutex> l(mu_);
    usage_ = usage;
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

void Job::Finish(const std::string& finish_reason, const Usage& usage) {
  {
    std::lock_guard<std::mutex> l(mu_);
    usage_ = usage;
    finish_reason_ = finish_reason;
    state_ = State::kDone;
  }
  cv_.notify_all();
}

void Job::Fail(int status, const std::string& type, const std::string& message) {
  {
    std::lock_guard<std::mutex> l(mu_);
    error_status_ = status;
    error_type_ = type;
    error_message_ = message;
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

Usage Job::usage() const {
  std::lock_guard<std::mutex> l(mu_);
  return usage_;
}
std::string Job::finish_reason() const {
  std::lock_guard<std::mutex> l(mu_);
  return finish_reason_;
}
int Job::error_status() const {
  std::lock_guard<std::mutex> l(mu_);
  return error_status_;
}
std::string Job::error_type() const {
  std::lock_guard<std::mutex> l(mu_);
  return error_type_;
}
std::string Job::error_message() const {
  std::lock_guard<std::mutex> l(mu_);
  return error_message_;
}

}  // namespace hm
