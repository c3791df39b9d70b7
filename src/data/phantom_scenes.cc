#include "data/phantom_scenes.h"

#include <algorithm>
#include <cmath>

namespace hm {
namespace {

constexpr int N = kPhantomSize;

struct Rgb {
  double r, g, b;
};

Image Blank() { return Image{N, N, std::vector<uint8_t>(static_cast<size_t>(N) * N * 3, 0)}; }

void Set(Image& im, int y, int x, Rgb c) {
  uint8_t* p = &im.rgb[(static_cast<size_t>(y) * N + x) * 3];
  p[0] = static_cast<uint8_t>(std::clamp(c.r, 0.0, 255.0));
  p[1] = static_cast<uint8_t>(std::clamp(c.g, 0.0, 255.0));
  p[2] = static_cast<uint8_t>(std::clamp(c.b, 0.0, 255.0));
}

bool InLesion(const PhantomStudy& s, double y, double x, double scale = 1) {
  for (const PhantomLesion& l : s.lesions) {
    if (std::hypot(y - l.row, x - l.column) <= l.radius_px * scale) return true;
  }
  return false;
}

// A sector scan from a probe at the top centre: tissue speckle (Rayleigh), a dark chamber
// or vessel, an anechoic cyst with brighter tissue behind it (posterior enhancement).
Image UltrasoundFrame(const PhantomStudy& s, int t, Rng& rng) {
  Image im = Blank();
  const double chamber = UltrasoundChamberRadius(s, t);
  for (int y = 0; y < N; ++y) {
    for (int x = 0; x < N; ++x) {
      const double dy = y + 6, dx = x - N / 2.0;
      const double depth = std::hypot(dy, dx), angle = std::atan2(dx, dy);
      if (depth < 8 || depth > N + 4 || std::abs(angle) > 0.75) continue;
      const double speckle = std::sqrt(-2 * std::log(1 - rng.Uniform()));  // Rayleigh, mean 1.25
      double echo = 95 * std::exp(-depth / 120.0);
      if (std::hypot(y - 20.0, x - N / 2.0) < chamber) echo = 8;
      bool behind_cyst = false;
      for (const PhantomLesion& l : s.lesions) {
        behind_cyst |= y > l.row && std::abs(x - l.column) < l.radius_px * 0.8;
      }
      if (behind_cyst) echo *= 1.5;
      if (InLesion(s, y, x)) echo = 4;
      const double g = echo * speckle;
      Set(im, y, x, {g, g, g});
    }
  }
  return im;
}

// Colonoscopy: mucosa with folds and a dark lumen, polyps with a specular highlight, and a
// metal instrument entering from one side along the lower half.
Image EndoscopyFrame(const PhantomStudy& s, int t, Rng& rng) {
  Image im = Blank();
  const double length = InstrumentLength(s, t);
  const double drift = 1.5 * std::sin(t * 0.4);  // the scope moves a little
  for (int y = 0; y < N; ++y) {
    for (int x = 0; x < N; ++x) {
      const double r = std::hypot(y - N / 2.0 - drift, x - N / 2.0 + drift);
      const double vignette = std::clamp(1.15 - r / 48.0, 0.25, 1.0);
      const double fold = 0.85 + 0.15 * std::cos(r * 0.7);
      Rgb c{205 * fold, 105 * fold, 95 * fold};
      if (r < 7) c = {55, 20, 20};  // lumen
      for (const PhantomLesion& l : s.lesions) {
        const double d = std::hypot(y - l.row, x - l.column);
        if (d <= l.radius_px) {
          c = {228, 125, 112};
          if (std::hypot(y - l.row + l.radius_px * 0.4, x - l.column + l.radius_px * 0.4) < 1.2) c = {255, 240, 235};
        }
      }
      const bool on_tool = std::abs(y - 46.0) <= 3 && (s.tool_side == "left" ? x < length : x >= N - length);
      if (on_tool) {
        const double shine = y == 45 ? 25 : 0;  // a highlight along the shaft
        c = {175 + shine, 178 + shine, 185 + shine};
      }
      const double noise = 4 * rng.Normal();
      Set(im, y, x, {c.r * vignette + noise, c.g * vignette + noise, c.b * vignette + noise});
    }
  }
  return im;
}

// H&E: pink stroma with sparse small nuclei; tumour foci crowded with large dark nuclei.
Image PathologyImage(const PhantomStudy& s, Rng& rng) {
  Image im = Blank();
  for (int y = 0; y < N; ++y) {
    for (int x = 0; x < N; ++x) {
      const double fibre = 10 * std::sin(x * 0.5 + y * 0.2 + 2 * std::sin(y * 0.15));
      Set(im, y, x, {235 + fibre * 0.3, 180 + fibre, 205 + fibre * 0.5});
    }
  }
  auto nucleus = [&](double cy, double cx, double radius, Rgb colour) {
    for (int y = static_cast<int>(cy - radius - 1); y <= cy + radius + 1; ++y) {
      for (int x = static_cast<int>(cx - radius - 1); x <= cx + radius + 1; ++x) {
        if (y >= 0 && y < N && x >= 0 && x < N && std::hypot(y - cy, x - cx) <= radius) Set(im, y, x, colour);
      }
    }
  };
  for (int i = 0; i < 45; ++i) {
    const double y = rng.Uniform(0, N), x = rng.Uniform(0, N);
    if (!InLesion(s, y, x, 1.2)) nucleus(y, x, 1.0, {150, 90, 175});
  }
  for (const PhantomLesion& l : s.lesions) {
    const int count = static_cast<int>(l.radius_px * l.radius_px * 0.45) + 4;
    for (int i = 0; i < count; ++i) {
      const double a = rng.Uniform(0, 6.2832), d = l.radius_px * std::sqrt(rng.Uniform());
      nucleus(l.row + d * std::sin(a), l.column + d * std::cos(a), 1.8, {70, 30, 115});
    }
  }
  return im;
}

// Fundus: orange retina in a dark circle, the optic disc nasal (image right for a right eye),
// vessels arching from the disc, the macula temporal, dark red hemorrhages.
Image FundusImage(const PhantomStudy& s, Rng& rng) {
  Image im = Blank();
  const double disc_x = s.eye == "right" ? N / 2.0 + 15 : N / 2.0 - 15, disc_y = N / 2.0;
  const double macula_x = s.eye == "right" ? N / 2.0 - 6 : N / 2.0 + 6;
  for (int y = 0; y < N; ++y) {
    for (int x = 0; x < N; ++x) {
      const double r = std::hypot(y - N / 2.0, x - N / 2.0);
      if (r > 30) continue;
      const double shade = 1.0 - 0.35 * r / 30;
      Rgb c{215 * shade, 95 * shade, 35 * shade};
      if (std::hypot(y - disc_y, x - macula_x) < 4) c = {150, 55, 25};
      // Two vessel arcs leaving the disc up and down toward the macula.
      const double dx = (x - disc_x) / 22.0;
      for (double sign : {-1.0, 1.0}) {
        const double vy = disc_y + sign * 14 * std::sqrt(std::min(1.0, std::abs(dx))) ;
        const bool toward_macula = (macula_x - disc_x) * (x - disc_x) >= 0;
        if (toward_macula && std::abs(y - vy) < 0.9) c = {150, 30, 20};
      }
      if (InLesion(s, y, x)) c = {110, 18, 12};
      if (std::hypot(y - disc_y, x - disc_x) < 5) c = {245, 215, 140};
      const double noise = 3 * rng.Normal();
      Set(im, y, x, {c.r + noise, c.g + noise, c.b + noise});
    }
  }
  return im;
}

}  // namespace

double UltrasoundChamberRadius(const PhantomStudy& s, int t) {
  const double p = s.frames > 1 ? static_cast<double>(t) / (s.frames - 1) : 0;
  return s.motion == "grows" ? 6 + 6 * p : 12 - 6 * p;
}

double InstrumentLength(const PhantomStudy& s, int t) {
  if (t < s.first_frame) return 0;
  const int span = std::max(1, s.frames - 1 - s.first_frame);
  const double p = std::min(1.0, static_cast<double>(t - s.first_frame) / span);
  return s.motion == "advances" ? 6 + 24 * p : 30 - 24 * p;
}

std::vector<Image> RenderPhantomFrames(const PhantomStudy& s, Rng& rng) {
  std::vector<Image> out;
  switch (s.modality) {
    case PhantomModality::kUltrasound:
      for (int t = 0; t < s.frames; ++t) out.push_back(UltrasoundFrame(s, t, rng));
      break;
    case PhantomModality::kEndoscopy:
      for (int t = 0; t < s.frames; ++t) out.push_back(EndoscopyFrame(s, t, rng));
      break;
    case PhantomModality::kPathology: out.push_back(PathologyImage(s, rng)); break;
    case PhantomModality::kFundus: out.push_back(FundusImage(s, rng)); break;
    default: break;
  }
  return out;
}

}  // namespace hm
