// `hulumed serve` as a test's child process (HULUMED_BINARY is the target's path, defined per
// test target), for tests that talk to the real server.
#pragma once

#include <fcntl.h>
#include <signal.h>
#include <spawn.h>
#include <sys/wait.h>
#include <unistd.h>

#include <array>
#include <cstdio>
#include <string>
#include <vector>

extern char** environ;

namespace hm {

// `hulumed serve --port 0` in a child process, stopped with SIGTERM at the end.
class ServeProcess {
 public:
  ServeProcess(const std::string& model, const std::vector<std::string>& extra = {}) {
    std::vector<std::string> args = {HULUMED_BINARY, "serve", "-m", model, "--port", "0", "--threads", "2",
                                     "--parallel", "1", "--no-log", "--allow-local-files",
                                     HULUMED_SOURCE_DIR "/testdata"};
    args.insert(args.end(), extra.begin(), extra.end());
    std::vector<char*> argv;
    for (std::string& a : args) argv.push_back(a.data());
    argv.push_back(nullptr);
    int fds[2];
    if (pipe(fds) != 0) return;
    posix_spawn_file_actions_t actions;
    posix_spawn_file_actions_init(&actions);
    posix_spawn_file_actions_adddup2(&actions, fds[1], STDOUT_FILENO);
    posix_spawn_file_actions_addclose(&actions, fds[0]);
    posix_spawn_file_actions_addopen(&actions, STDERR_FILENO, "/dev/null", O_WRONLY, 0);
    const int rc = posix_spawn(&pid_, HULUMED_BINARY, &actions, nullptr, argv.data(), environ);
    posix_spawn_file_actions_destroy(&actions);
    close(fds[1]);
    if (rc != 0) pid_ = 0;
    // The server prints "listening on port N" once it is bound (stdout is otherwise silent).
    FILE* out = fdopen(fds[0], "r");
    std::array<char, 256> line;
    while (out && std::fgets(line.data(), line.size(), out))
      if (std::sscanf(line.data(), "listening on port %d", &port_) == 1) break;
    if (out) std::fclose(out);
  }
  ~ServeProcess() {
    if (pid_ <= 0) return;
    kill(pid_, SIGTERM);
    waitpid(pid_, nullptr, 0);
  }
  int port() const { return port_; }

 private:
  pid_t pid_ = 0;
  int port_ = 0;
};

}  // namespace hm
