#include "media/image_folder.h"

#include <algorithm>
#include <cmath>
#include <filesystem>

#include "core/error.h"
#include "media/image_file.h"
#include "media/volume.h"

namespace hm {
namespace {

// Python's float floor division a // b (b > 0), including its fmod-based rounding: 1 // 0.1
// is 9.0, not 10.
double PyFloorDiv(double a, double b) {
  const double mod = std::fmod(a, b);
  const double div = (a - mod) / b;
  double floordiv = std::floor(div);
  if (div - floordiv > 0.5) floordiv += 1.0;
  return floordiv;
}

}  // namespace

std::vector<int64_t> SampleFolderFrames(int64_t n, const FolderOptions& opts) {
  HM_CHECK(opts.max_frames >= 1, "image folder: max_frames must be at least 1, got ",
           opts.max_frames);
  std::optional<double> s = opts.start, e = opts.end;
  HM_CHECK((!s || std::isfinite(*s)) && (!e || std::isfinite(*e)),
           "image folder: start/end must be finite");
  if (s && e) {
    s = std::max(*s, 0.0);
    e = std::max(*e, 0.0);
    if (*s > *e) std::swap(s, e);
    else if (*s == *e) e = *s + 1;
  }
  // int() truncates toward zero; the folder plays at 1 fps, so seconds are frame numbers.
  const int64_t first = s ? std::max<int64_t>(static_cast<int64_t>(*s) - 1, 0) : 0;
  const int64_t last = e ? std::min<int64_t>(static_cast<int64_t>(*e) - 1, n - 1) : n - 1;
  const int64_t count = last - first + 1;
  HM_CHECK(count >= 1, "image folder: no frames in the selected range (", n, " files, frames ",
           first, "..", last, ")");

  std::vector<int64_t> picked;
  if (opts.fps && count < opts.max_frames) {
    const double fps = *opts.fps;
    HM_CHECK(fps > 0 && fps <= 1, "image folder: fps must be in (0, 1] because a folder plays "
             "at 1 frame per second, got ", fps);
    const double step = std::min(PyFloorDiv(1.0, fps), static_cast<double>(count));
    for (double i = PyFloorDiv(step, 2.0); i < static_cast<double>(count); i += step)
      picked.push_back(static_cast<int64_t>(i));
  } else if (count <= opts.max_frames) {
    for (int64_t i = 0; i < count; ++i) picked.push_back(i);
  } else {
    picked = LinspaceIndices(count, opts.max_frames);
  }
  for (int64_t& i : picked) i += first;
  return picked;
}

Frames LoadImageFolder(const std::string& dir, const FolderOptions& opts) {
  namespace fs = std::filesystem;
  std::error_code ec;
  HM_CHECK(fs::is_directory(dir, ec), dir, ": not a directory");
  std::vector<std::string> names;
  for (fs::directory_iterator it(dir, ec), end; !ec && it != end; it.increment(ec))
    names.push_back(it->path().filename().string());
  HM_CHECK(!ec, dir, ": cannot list directory: ", ec.message());
  HM_CHECK(!names.empty(), dir, ": empty image folder");
  std::sort(names.begin(), names.end());

  Frames frames;
  frames.from_pil = true;
  frames.merge_size = 2;
  for (int64_t i : SampleFolderFrames(static_cast<int64_t>(names.size()), opts)) {
    frames.images.push_back(LoadImageFile((fs::path(dir) / names[i]).string()));
    frames.timestamps.push_back(static_cast<double>(i));
  }
  return frames;
}

}  // namespace hm
