// --allow-local-files ROOT: requests may name files only inside ROOT. Paths are resolved
// with every symlink and ".." followed before the check, so neither can lead outside.
#pragma once

#include <filesystem>
#include <string>

namespace hm {

class FileRoot {
 public:
  // Throws hm::Error if `root` is not an existing directory.
  explicit FileRoot(const std::string& root);

  // `requested` is a path relative to the root, an absolute path or a file:// URL. Returns
  // the resolved path; ApiError 403 outside the root, 400 if it does not exist.
  std::filesystem::path Resolve(const std::string& requested) const;

 private:
  std::filesystem::path root_;  // canonical
};

}  // namespace hm
