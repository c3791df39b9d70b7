#include "server/file_root.h"

#include <algorithm>

#include "server/api_error.h"

namespace hm {

namespace fs = std::filesystem;

FileRoot::FileRoot(const std::string& root) {
  std::error_code ec;
  root_ = fs::canonical(root, ec);
  HM_CHECK(!ec && fs::is_directory(root_), "--allow-local-files: ", root, " is not a directory");
}

fs::path FileRoot::Resolve(const std::string& requested) const {
  std::string path = requested;
  if (path.rfind("file://", 0) == 0) path = path.substr(7);
  if (path.empty() || path.find('\0') != std::string::npos) FailRequest("local file path '", requested, "' is invalid");
  const fs::path joined = fs::path(path).is_absolute() ? fs::path(path) : root_ / path;
  std::error_code ec;
  const fs::path real = fs::canonical(joined, ec);
  // Report a missing file as outside the root too when it would be: existence must not leak.
  const fs::path probe = ec ? joined.lexically_normal() : real;
  const auto [root_end, probe_end] = std::mismatch(root_.begin(), root_.end(), probe.begin(), probe.end());
  if (root_end != root_.end()) throw ApiError(403, "permission_error", StrCat("local file '", requested, "' is outside the allowed root"));
  if (ec) FailRequest("local file '", requested, "' does not exist");
  return real;
}

}  // namespace hm
