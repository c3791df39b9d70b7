// A token bucket that spaces requests to an endpoint: `per_minute` tokens a minute, at most
// `burst` saved up. A caller that finds the bucket empty takes a token on credit and sleeps
// until it would have been there, so concurrent callers queue in order without spinning.
// The clock is injectable so tests check the spacing without waiting on the wall.
#pragma once

#include <chrono>
#include <mutex>
#include <thread>

namespace hm {

class Clock {
 public:
  virtual ~Clock() = default;
  virtual double Seconds() = 0;  // monotonic
  virtual void Sleep(double seconds) = 0;
};

class SteadyClock : public Clock {
 public:
  double Seconds() override {
    return std::chrono::duration<double>(std::chrono::steady_clock::now().time_since_epoch()).count();
  }
  void Sleep(double seconds) override { std::this_thread::sleep_for(std::chrono::duration<double>(seconds)); }
};

class RateLimiter {
 public:
  // per_minute <= 0 means no limit. The bucket starts full.
  RateLimiter(double per_minute, double burst, Clock& clock);
  // Blocks until the caller may send one request.
  void Acquire();

 private:
  double per_second_, burst_;
  Clock& clock_;
  std::mutex mutex_;
  double tokens_, last_;
};

}  // namespace hm
