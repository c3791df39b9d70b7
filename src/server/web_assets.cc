#include "server/web_assets.h"

#include <array>

// Embeds a built file byte for byte: the assembler's .incbin reads it when this file is
// compiled (CMake makes this object depend on the files), with a NUL after it.
#define HM_EMBED(name, file)                                                                   \
  __asm__(".pushsection .rodata\n.balign 16\n.globl hm_web_" #name "_begin\nhm_web_" #name     \
          "_begin:\n.incbin \"" file "\"\n.globl hm_web_" #name "_end\nhm_web_" #name          \
          "_end:\n.byte 0\n.popsection\n");                                                    \
  extern "C" const char hm_web_##name##_begin[], hm_web_##name##_end[];

HM_EMBED(index, HM_WEB_SOURCE "/index.html")
HM_EMBED(style, HM_WEB_SOURCE "/style.css")
HM_EMBED(app, HM_WEB_BUILD "/app.js")

namespace hm {
namespace {

std::string_view View(const char* begin, const char* end) { return {begin, static_cast<size_t>(end - begin)}; }

}  // namespace

const WebAsset* FindWebAsset(std::string_view path) {
  static const std::array<std::pair<std::string_view, WebAsset>, 3> kAssets{{
      {"/", {View(hm_web_index_begin, hm_web_index_end), "text/html; charset=utf-8"}},
      {"/style.css", {View(hm_web_style_begin, hm_web_style_end), "text/css; charset=utf-8"}},
      {"/app.js", {View(hm_web_app_begin, hm_web_app_end), "text/javascript; charset=utf-8"}},
  }};
  for (const auto& [p, asset] : kAssets)
    if (p == path) return &asset;
  return nullptr;
}

}  // namespace hm
