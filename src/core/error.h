// Errors that reach the user: one exception type carrying a message that names the
// problem (file, tensor, field). Apps catch it, print it and exit non-zero; the server
// answers by its kind (a client mistake is 4xx, anything else 500).
#pragma once

#include <sstream>
#include <stdexcept>
#include <string>

namespace hm {

enum class ErrorKind {
  kInput,     // what the user gave is wrong: a request, a file they named, an option
  kInternal,  // the checkpoint or the engine failed: a broken chat template, no free KV slot
};

class Error : public std::runtime_error {
 public:
  explicit Error(const std::string& message, ErrorKind kind = ErrorKind::kInput)
      : std::runtime_error(message), kind_(kind) {}
  ErrorKind kind() const { return kind_; }

 private:
  ErrorKind kind_;
};

// Concatenates anything streamable: StrCat("tensor ", name, " has ", n, " dims").
template <typename... Args>
std::string StrCat(const Args&... args) {
  std::ostringstream os;
  (os << ... << args);
  return os.str();
}

template <typename... Args>
[[noreturn]] void Fail(const Args&... args) {
  throw Error(StrCat(args...));
}

// For failures that are not the user's fault (the server answers them with 500).
template <typename... Args>
[[noreturn]] void FailInternal(const Args&... args) {
  throw Error(StrCat(args...), ErrorKind::kInternal);
}

}  // namespace hm

// Checks a condition on user-controlled input; on failure throws hm::Error with the message.
#define HM_CHECK(cond, ...)        \
  do {                             \
    if (!(cond)) ::hm::Fail(__VA_ARGS__); \
  } while (0)
