// Running the hulumed binary from a test (HULUMED_BINARY is the target's path, defined per
// test target).
#pragma once

#include <sys/wait.h>

#include <array>
#include <cstdio>
#include <string>

namespace hm {

struct Result {
  int status;
  std::string out;  // stdout and stderr together
};

inline Result Hulumed(const std::string& args) {
  const std::string cmd = std::string(HULUMED_BINARY) + " " + args + " 2>&1";
  FILE* pipe = popen(cmd.c_str(), "r");
  std::string out;
  std::array<char, 4096> buf;
  while (size_t n = fread(buf.data(), 1, buf.size(), pipe)) out.append(buf.data(), n);
  const int status = pclose(pipe);
  return {WIFEXITED(status) ? WEXITSTATUS(status) : -1, out};
}

}  // namespace hm
