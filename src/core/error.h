// Errors that reach the user: one exception type carrying a message that names the
// problem (file, tensor, field). Apps catch it, print it and exit non-zero.
#pragma once

#include <sstream>
#include <stdexcept>
#include <string>

namespace hm {

class Error : public std::runtime_error {
 public:
  using std::runtime_error::runtime_error;
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

}  // namespace hm

// Checks a condition on user-controlled input; on failure throws hm::Error with the message.
#define HM_CHECK(cond, ...)        \
  do {                             \
    if (!(cond)) ::hm::Fail(__VA_ARGS__); \
  } while (0)
