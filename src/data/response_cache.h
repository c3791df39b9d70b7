// Endpoint replies on disk, keyed by a hash of the exact request body (model, prompt, media,
// sampling), one file each, so a re-run with the same prompts sends no requests. Files are
// written atomically; a cache folder can be shared by runs and deleted at any time.
#pragma once

#include <optional>
#include <string>

namespace hm {

class ResponseCache {
 public:
  // An empty `dir` disables the cache (Lookup finds nothing, Store does nothing).
  explicit ResponseCache(std::string dir);

  std::optional<std::string> Lookup(const std::string& request_body) const;
  void Store(const std::string& request_body, const std::string& response) const;

  // The file a request's reply is kept in (32 hex digits under the folder).
  std::string PathFor(const std::string& request_body) const;

 private:
  std::string dir_;
};

}  // namespace hm
