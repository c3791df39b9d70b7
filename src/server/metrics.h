// Counters and latency histograms for GET /metrics, in the Prometheus text format.
#pragma once

#include <array>
#include <atomic>
#include <cstdint>
#include <map>
#include <mutex>
#include <string>

namespace hm {

class Metrics {
 public:
  void CountResponse(int status);
  void ObserveRequest(double seconds);      // admission to last byte
  void ObserveFirstToken(double seconds);   // admission to first generated token
  void AddTokens(int64_t prompt, int64_t reused, int64_t completion);
  void CountCancelled() { ++cancelled_; }
  void CountTimeout() { ++timeouts_; }
  void CountRejected() { ++rejected_; }

  // `slots`: streams the engine batches at most (--parallel), beside queued and active ones.
  std::string Render(int64_t queued, int64_t active, int64_t slots) const;

 private:
  static constexpr std::array<double, 12> kBuckets{0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10, 30, 60, 120, 300};
  struct Histogram {
    std::array<uint64_t, kBuckets.size()> counts{};
    uint64_t count = 0;
    double sum = 0;
    void Observe(double v);
  };

  mutable std::mutex mu_;
  std::map<int, uint64_t> responses_;
  Histogram request_, first_token_;
  std::atomic<int64_t> prompt_tokens_{0}, reused_tokens_{0}, completion_tokens_{0};
  std::atomic<int64_t> cancelled_{0}, timeouts_{0}, rejected_{0};
};

}  // namespace hm
