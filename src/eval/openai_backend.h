// Any OpenAI-compatible chat completions server (hulumed serve, vLLM, llama.cpp, hosted
// APIs): media go as data: URIs before the text, greedy decoding, bounded retries.
#pragma once

#include <functional>
#include <string>

#include "eval/backend.h"

namespace hm::eval {

struct EndpointOptions {
  std::string url;                          // base URL, e.g. http://127.0.0.1:8080 or .../v1
  std::string model;                        // the "model" field of each request
  std::string api_key_env = "OPENAI_API_KEY";  // sent as a bearer token when set
  int max_in_flight = 4;
  int max_tokens = 1024;
  int attempts = 4;                         // tries per request for connection errors, 429 and 5xx
  double first_backoff_seconds = 1.0;       // doubled after each failed try
  int timeout_seconds = 600;
};

class OpenAiBackend : public Backend {
 public:
  explicit OpenAiBackend(EndpointOptions options);
  std::string Respond(const EvalSample& sample) override;
  int max_in_flight() const override { return options_.max_in_flight; }
  std::string model_name() const override { return options_.model; }

  // The chat completions request body for a sample (exposed for tests).
  static std::string RequestBody(const EvalSample& sample, const EndpointOptions& options);

  // Posts a chat completions `body` and returns choices[0].message.content, retrying
  // connection errors, 429 and 5xx with doubling backoff; `before_each_try` (when set) runs
  // before every try, e.g. to wait for a rate limiter. Throws hm::Error naming `what`.
  std::string Complete(const std::string& body, const std::string& what,
                       const std::function<void()>& before_each_try = {}) const;

 private:
  EndpointOptions options_;
  std::string scheme_host_port_;  // "http://host:port"
  std::string path_;              // ".../v1/chat/completions"
  std::string api_key_;
};

// `file` inline as a base64 data: URI with its MIME type told by its extension.
std::string DataUri(const std::string& file);

}  // namespace hm::eval
