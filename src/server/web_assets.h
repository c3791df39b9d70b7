// The browser UI (web/), built by esbuild at compile time and embedded in the binary so
// that `hulumed serve` needs no install step or share directory.
#pragma once

#include <string_view>

namespace hm {

struct WebAsset {
  std::string_view content;
  const char* mime;
};

// The asset served at `path` ("/" is index.html), or null.
const WebAsset* FindWebAsset(std::string_view path);

}  // namespace hm
