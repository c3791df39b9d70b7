#include "train/durable_file.h"

#include <fcntl.h>
#include <unistd.h>

#include <cerrno>
#include <cstdio>
#include <cstring>
#include <filesystem>

#include "core/error.h"

namespace hm {

void SyncPath(const std::string& path) {
  int fd = ::open(path.c_str(), O_RDONLY | O_CLOEXEC);
  HM_CHECK(fd >= 0, path, ": cannot open to sync: ", std::strerror(errno));
  int rc = ::fsync(fd);
  int err = errno;
  ::close(fd);
  HM_CHECK(rc == 0, path, ": fsync failed: ", std::strerror(err));
}

void WriteFileSynced(const std::string& path, std::string_view content) {
  int fd = ::open(path.c_str(), O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, 0644);
  HM_CHECK(fd >= 0, path, ": cannot create: ", std::strerror(errno));
  size_t done = 0;
  while (done < content.size()) {
    ssize_t n = ::write(fd, content.data() + done, content.size() - done);
    if (n < 0 && errno == EINTR) continue;
    if (n <= 0) {
      int err = n < 0 ? errno : ENOSPC;
      ::close(fd);
      Fail(path, ": write failed: ", std::strerror(err));
    }
    done += static_cast<size_t>(n);
  }
  int rc = ::fsync(fd);
  int err = errno;
  rc = ::close(fd) == 0 ? rc : -1;
  HM_CHECK(rc == 0, path, ": write failed: ", std::strerror(err));
}

void ReplaceFileAtomically(const std::string& path, std::string_view content) {
  std::filesystem::path target(path);
  std::string temp = (target.parent_path() / ("." + target.filename().string() + ".tmp")).string();
  try {
    WriteFileSynced(temp, content);
  } catch (...) {
    std::remove(temp.c_str());
    throw;
  }
  HM_CHECK(std::rename(temp.c_str(), path.c_str()) == 0, path, ": cannot replace: ", std::strerror(errno));
  SyncPath(target.parent_path().empty() ? "." : target.parent_path().string());
}

}  // namespace hm
