#include "media/preprocess.h"

#include <cmath>

#include "core/error.h"
#include "core/thread_pool.h"
#include "media/image_limits.h"
#include "media/resize.h"

namespace hm {
namespace {

void CheckMedia(const std::vector<Frames>& media) {
  HM_CHECK(!media.empty(), "preprocess: no media");
  for (size_t i = 0; i < media.size(); ++i) {
    const Frames& f = media[i];
    HM_CHECK(!f.images.empty(), "preprocess: media ", i, " has no frames");
    HM_CHECK(f.merge_size >= 1 && f.merge_size <= 16, "preprocess: media ", i,
             " has merge size ", f.merge_size);
    for (const Image& im : f.images)
      HM_CHECK(im.width > 0 && im.height > 0 &&
                   im.rgb.size() == static_cast<size_t>(im.width) * im.height * 3,
               "preprocess: media ", i, " has an empty or malformed frame");
  }
}

// The (height, width) the reference reads from its first frame: PIL's size is (w, h), which
// it takes for (h, w) (SPEC 3, the size quirk).
std::array<int64_t, 2> SizeSeenByReference(const Frames& f, const PreprocessOptions& opts) {
  const Image& im = f.images.front();
  if (f.from_pil && !opts.true_aspect_ratio) return {im.width, im.height};
  return {im.height, im.width};
}

int64_t Round(double x) { return static_cast<int64_t>(std::nearbyint(x)); }  // half to even
int64_t Floor(double x) { return static_cast<int64_t>(std::floor(x)); }
int64_t Ceil(double x) { return static_cast<int64_t>(std::ceil(x)); }

}  // namespace

std::vector<std::array<int64_t, 2>> TargetSizes(const std::vector<Frames>& media,
                                                const PreprocessorConfig& config,
                                                const PreprocessOptions& opts) {
  CheckMedia(media);
  const int64_t p = config.patch_size;
  std::vector<std::array<int64_t, 2>> sizes;
  for (const Frames& f : media) sizes.push_back(SizeSeenByReference(f, opts));

  bool same_merge = true;
  for (const Frames& f : media) same_merge &= f.merge_size == media.front().merge_size;

  std::vector<std::array<int64_t, 2>> out;
  if (same_merge) {
    const int64_t f = p * media.front().merge_size;
    const int64_t min_px = config.min_tokens * f * f;
    int64_t n = 0;
    for (const Frames& m : media) n += static_cast<int64_t>(m.images.size());
    const int64_t budget = config.max_tokens * f * f / n;
    for (auto [h, w] : sizes) {
      const double hd = static_cast<double>(h), wd = static_cast<double>(w);
      int64_t hb = Round(hd / f) * f, wb = Round(wd / f) * f;
      if (hb * wb > budget) {
        const double b = std::sqrt(hd * wd / static_cast<double>(budget));
        hb = Floor(hd / b / f) * f;
        wb = Floor(wd / b / f) * f;
      }
      if (hb * wb < min_px) {
        const double b = std::sqrt(static_cast<double>(min_px) / (hd * wd));
        hb = Ceil(hd * b / f) * f;
        wb = Ceil(wd * b / f) * f;
      }
      out.push_back({hb, wb});
    }
  } else {
    int64_t total = 0;
    for (size_t i = 0; i < media.size(); ++i) {
      const int64_t f = p * media[i].merge_size;
      total += static_cast<int64_t>(media[i].images.size()) * ((sizes[i][0] + f - 1) / f) *
               ((sizes[i][1] + f - 1) / f);
    }
    const bool shrink = total > config.max_tokens;
    const double b = std::sqrt(static_cast<double>(total) / static_cast<double>(config.max_tokens));
    for (size_t i = 0; i < media.size(); ++i) {
      const int64_t f = p * media[i].merge_size;
      const double hd = static_cast<double>(sizes[i][0]), wd = static_cast<double>(sizes[i][1]);
      if (shrink) out.push_back({Floor(hd / b / f) * f, Floor(wd / b / f) * f});
      else out.push_back({Round(hd / f) * f, Round(wd / f) * f});
    }
  }
  for (size_t i = 0; i < out.size(); ++i)
    HM_CHECK(out[i][0] > 0 && out[i][1] > 0, "preprocess: media ", i, " (", sizes[i][1], "x",
             sizes[i][0], ") would be resized to ", out[i][1], "x", out[i][0],
             " pixels; with mixed merge sizes there is no minimum size, so it is too small next "
             "to the other media of this request");
  return out;
}

std::vector<PreprocessedMedia> Preprocess(const std::vector<Frames>& media,
                                          const PreprocessorConfig& config,
                                          const PreprocessOptions& opts) {
  const std::vector<std::array<int64_t, 2>> sizes = TargetSizes(media, config, opts);
  const int p = config.patch_size;

  // Every pixel value is a function of (channel, byte): uint8 -> float64 * factor -> float32,
  // then (x - mean) / std in float32, as the processor's numpy code does.
  float lut[3][256];
  for (int c = 0; c < 3; ++c) {
    const float mean = static_cast<float>(config.image_mean[c]);
    const float std = static_cast<float>(config.image_std[c]);
    for (int v = 0; v < 256; ++v) {
      float x = config.do_rescale ? static_cast<float>(v * config.rescale_factor)
                                  : static_cast<float>(v);
      if (config.do_normalize) x = (x - mean) / std;
      lut[c][v] = x;
    }
  }

  std::vector<PreprocessedMedia> out;
  for (size_t i = 0; i < media.size(); ++i) {
    const Frames& f = media[i];
    const int m = f.merge_size;
    const int64_t th = sizes[i][0], tw = sizes[i][1];
    HM_CHECK(th * tw <= kMaxImagePixels, "preprocess: media ", i, " target size ", tw, "x", th,
             " is too large");
    const int64_t gh = th / p, gw = tw / p;
    PreprocessedMedia r;
    r.merge_size = m;
    r.grid = {static_cast<int64_t>(f.images.size()), gh, gw};
    r.pixels.rows = r.grid[0] * gh * gw;
    r.pixels.cols = int64_t{3} * p * p;
    r.pixels.data.resize(static_cast<size_t>(r.pixels.rows * r.pixels.cols));
    const int64_t frame_values = gh * gw * r.pixels.cols;
    auto frames = [&](int64_t begin, int64_t end) {
      for (int64_t t = begin; t < end; ++t) {
        const Image im = ResizeBicubic(f.images[static_cast<size_t>(t)], static_cast<int>(tw),
                                       static_cast<int>(th));
        float* row = r.pixels.data.data() + t * frame_values;
        // Rows in (gh/m, gw/m, m, m) order; each row is one patch in (c, y, x) order.
        for (int64_t by = 0; by < gh / m; ++by)
          for (int64_t bx = 0; bx < gw / m; ++bx)
            for (int my = 0; my < m; ++my)
              for (int mx = 0; mx < m; ++mx) {
                const int64_t y0 = (by * m + my) * p, x0 = (bx * m + mx) * p;
                for (int c = 0; c < 3; ++c)
                  for (int y = 0; y < p; ++y) {
                    const uint8_t* px = &im.rgb[((y0 + y) * tw + x0) * 3 + c];
                    for (int x = 0; x < p; ++x) *row++ = lut[c][px[x * 3]];
                  }
              }
      }
    };
    if (opts.pool) opts.pool->ParallelFor(r.grid[0], 1, frames);
    else frames(0, r.grid[0]);
    out.push_back(std::move(r));
  }
  return out;
}

}  // namespace hm
