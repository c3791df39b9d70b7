#include "data/rate_limiter.h"

#include <algorithm>

#include "core/error.h"

namespace hm {

RateLimiter::RateLimiter(double per_minute, double burst, Clock& clock)
    : per_second_(per_minute / 60), burst_(burst), clock_(clock), tokens_(burst), last_(clock.Seconds()) {
  HM_CHECK(per_minute <= 0 || burst >= 1, "rate limiter: the burst must be at least 1 request");
}

void RateLimiter::Acquire() {
  if (per_second_ <= 0) return;
  double wait = 0;
  {
    std::lock_guard<std::mutex> lock(mutex_);
    const double now = clock_.Seconds();
    tokens_ = std::min(burst_, tokens_ + (now - last_) * per_second_);
    last_ = now;
    tokens_ -= 1;
    if (tokens_ < 0) wait = -tokens_ / per_second_;
  }
  if (wait > 0) clock_.Sleep(wait);
}

}  // namespace hm
