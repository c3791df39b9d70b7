#include "server/turn_lock.h"

namespace hm {

void TurnLock::Lock() {
  std::unique_lock<std::mutex> l(mu_);
  const uint64_t ticket = next_ticket_++;
  cv_.wait(l, [&] { return serving_ == ticket; });
}

void TurnLock::Unlock() {
  {
    std::lock_guard<std::mutex> l(mu_);
    ++serving_;
  }
  cv_.notify_all();
}

void TurnLock::Yield() {
  {
    std::lock_guard<std::mutex> l(mu_);
    if (next_ticket_ == serving_ + 1) return;  // only we hold a ticket
  }
  Unlock();
  Lock();
}

}  // namespace hm
