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

// A shell command line, its stderr folded into stdout.
inline Result RunShell(const std::string& command) {
  const std::string cmd = command + " 2>&1";
  FILE* pipe = popen(cmd.c_str(), "r");
  std::string out;
  std::array<char, 4096> buf;
  while (size_t n = fread(buf.data(), 1, buf.size(), pipe)) out.append(buf.data(), n);
  const int status = pclose(pipe);
  return {WIFEXITED(status) ? WEXITSTATUS(status) : -1, out};
}

inline Result Hulumed(const std::string& args) { return RunShell(std::string(HULUMED_BINARY) + " " + args); }

}  // namespace hm
