// Errors the HTTP layer turns into OpenAI-style JSON bodies:
//   {"error": {"message": ..., "type": ..., "param": null, "code": null}} with a 4xx/5xx status.
// ApiError carries its own status; other hm::Errors go by their kind: the client's input
// (bad media, a prompt too long for the context) is 400, an internal failure (a checkpoint's
// broken chat template, no free KV cache slot) is 500, as is any other exception.
#pragma once

#include <string>

#include "core/error.h"

namespace hm {

class ApiError : public Error {
 public:
  ApiError(int status, std::string type, const std::string& message)
      : Error(message), status_(status), type_(std::move(type)) {}
  int status() const { return status_; }
  const std::string& type() const { return type_; }

 private:
  int status_;
  std::string type_;
};

template <typename... Args>
[[noreturn]] void FailRequest(const Args&... args) {
  throw ApiError(400, "invalid_request_error", StrCat(args...));
}

struct ErrorStatus {
  int status;
  std::string type;
};

// The status and OpenAI error type the server answers an exception with.
ErrorStatus StatusOf(const std::exception& e);

// The OpenAI error body.
std::string ErrorBody(const std::string& message, const std::string& type);

}  // namespace hm
