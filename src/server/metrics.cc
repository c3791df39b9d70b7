#include "server/metrics.h"

#include <sstream>

namespace hm {

void Metrics::Histogram::Observe(double v) {
  for (size_t i = 0; i < kBuckets.size(); ++i)
    if (v <= kBuckets[i]) ++counts[i];
  ++count;
  sum += v;
}

void Metrics::CountResponse(int status) {
  std::lock_guard<std::mutex> l(mu_);
  ++responses_[status];
}

void Metrics::ObserveRequest(double seconds) {
  std::lock_guard<std::mutex> l(mu_);
  request_.Observe(seconds);
}

void Metrics::ObserveFirstToken(double seconds) {
  std::lock_guard<std::mutex> l(mu_);
  first_token_.Observe(seconds);
}

void Metrics::AddTokens(int64_t prompt, int64_t reused, int64_t completion) {
  prompt_tokens_ += prompt;
  reused_tokens_ += reused;
  completion_tokens_ += completion;
}

std::string Metrics::Render(int64_t queued, int64_t active, int64_t slots) const {
  std::ostringstream o;
  auto counter = [&](const char* name, const char* help, int64_t v) {
    o << "# HELP " << name << " " << help << "\n# TYPE " << name << " counter\n" << name << " " << v << "\n";
  };
  auto gauge = [&](const char* name, const char* help, int64_t v) {
    o << "# HELP " << name << " " << help << "\n# TYPE " << name << " gauge\n" << name << " " << v << "\n";
  };
  auto histogram = [&](const char* name, const char* help, const Histogram& h) {
    o << "# HELP " << name << " " << help << "\n# TYPE " << name << " histogram\n";
    for (size_t i = 0; i < kBuckets.size(); ++i) o << name << "_bucket{le=\"" << kBuckets[i] << "\"} " << h.counts[i] << "\n";
    o << name << "_bucket{le=\"+Inf\"} " << h.count << "\n" << name << "_sum " << h.sum << "\n" << name << "_count " << h.count << "\n";
  };
  std::lock_guard<std::mutex> l(mu_);
  o << "# HELP hulumed_http_responses_total Chat completion responses by HTTP status.\n"
       "# TYPE hulumed_http_responses_total counter\n";
  for (const auto& [status, n] : responses_) o << "hulumed_http_responses_total{status=\"" << status << "\"} " << n << "\n";
  gauge("hulumed_requests_queued", "Requests waiting for a generation slot.", queued);
  gauge("hulumed_requests_active", "Requests being generated.", active);
  gauge("hulumed_slots", "Requests the engine decodes together at most (--parallel).", slots);
  counter("hulumed_prompt_tokens_total", "Prompt tokens, visual tokens included.", prompt_tokens_);
  counter("hulumed_prompt_tokens_reused_total", "Prompt tokens served from a cached prefix.", reused_tokens_);
  counter("hulumed_completion_tokens_total", "Generated tokens.", completion_tokens_);
  counter("hulumed_requests_cancelled_total", "Requests whose client went away.", cancelled_);
  counter("hulumed_requests_timed_out_total", "Requests that hit the per-request timeout.", timeouts_);
  counter("hulumed_requests_rejected_total", "Requests refused with 429 because the queue was full.", rejected_);
  histogram("hulumed_request_seconds", "Time from admission to the end of the answer.", request_);
  histogram("hulumed_first_token_seconds", "Time from admission to the first generated token.", first_token_);
  return o.str();
}

}  // namespace hm
