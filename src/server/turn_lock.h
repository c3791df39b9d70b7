// A first-come first-served lock over the model. Decoder::Forward and the thread pool serve
// one caller at a time; requests that generate together take turns token by token (Yield),
// so a long answer does not hold back the first token of a request that arrived later.
#pragma once

#include <condition_variable>
#include <cstdint>
#include <mutex>

namespace hm {

class TurnLock {
 public:
  void Lock();
  void Unlock();
  // Lets every caller waiting now go first, then takes the lock back. Cheap when nobody waits.
  void Yield();

 private:
  std::mutex mu_;
  std::condition_variable cv_;
  uint64_t next_ticket_ = 0;
  uint64_t serving_ = 0;
};

// Holds a turn for a scope.
class Turn {
 public:
  explicit Turn(TurnLock& lock) : lock_(lock) { lock_.Lock(); }
  ~Turn() { lock_.Unlock(); }
  Turn(const Turn&) = delete;
  Turn& operator=(const Turn&) = delete;

 private:
  TurnLock& lock_;
};

}  // namespace hm
