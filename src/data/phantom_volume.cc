#include "data/phantom_volume.h"

#include <algorithm>
#include <cmath>

namespace hm {
namespace {

enum class Tissue { kAir, kLung, kFat, kSoft, kLiver, kKidney, kBone, kSkull, kBrain, kCsf, kLesion };

bool InEllipse(double x, double y, double cx, double cy, double a, double b) {
  const double dx = (x - cx) / a, dy = (y - cy) / b;
  return dx * dx + dy * dy <= 1;
}

// Anatomy at normalised in-plane coordinates x (image left -1 .. right 1), y (anterior -1 ..
// posterior 1) and height z (0 = lowest slice, 1 = highest).
Tissue AnatomyAt(const std::string& region, double x, double y, double z) {
  const double taper = 0.92 + 0.08 * std::sin(3.14159 * z);  // a little narrower at both ends
  if (region == "head") {
    const double a = 0.7 * taper, b = 0.86 * taper;
    if (!InEllipse(x, y, 0, 0, a, b)) return Tissue::kAir;
    if (!InEllipse(x, y, 0, 0, a - 0.08, b - 0.08)) return Tissue::kSkull;
    if (InEllipse(x, y, -0.12, -0.05, 0.07, 0.28) || InEllipse(x, y, 0.12, -0.05, 0.07, 0.28)) return Tissue::kCsf;
    return Tissue::kBrain;
  }
  const double a = 0.88 * taper, b = 0.62 * taper;
  if (!InEllipse(x, y, 0, 0.02, a, b)) return Tissue::kAir;
  if (!InEllipse(x, y, 0, 0.02, a - 0.07, b - 0.07)) return Tissue::kFat;
  if (InEllipse(x, y, 0, 0.42, 0.11, 0.11)) return Tissue::kBone;  // vertebral body
  if (region == "chest") {
    if (InEllipse(x, y, 0.1, -0.08, 0.2, 0.22)) return Tissue::kSoft;  // heart
    // The lungs narrow to domes over the diaphragm (below z 0.3) and to the apices (above 0.85),
    // so that a radiograph shows two lung fields rather than bands.
    const double lung = std::sqrt(std::clamp(std::min((z - 0.1) / 0.25, (1.0 - z) / 0.15), 0.0, 1.0));
    if (lung > 0 && (InEllipse(x, y, -0.4, -0.02, 0.3 * lung, 0.44 * lung) ||
                     InEllipse(x, y, 0.42, -0.02, 0.3 * lung, 0.44 * lung))) {
      return Tissue::kLung;
    }
    return Tissue::kSoft;
  }
  // Abdomen: liver on the patient's right (image left), kidneys beside the spine.
  if (InEllipse(x, y, -0.38, -0.08, 0.38, 0.38)) return Tissue::kLiver;
  if (InEllipse(x, y, -0.32, 0.32, 0.12, 0.14) || InEllipse(x, y, 0.32, 0.32, 0.12, 0.14)) return Tissue::kKidney;
  return Tissue::kSoft;
}

int CtValue(Tissue t, const std::string& region) {
  switch (t) {
    case Tissue::kAir: return PhantomHu::kAir;
    case Tissue::kLung: return PhantomHu::kLung;
    case Tissue::kFat: return PhantomHu::kFat;
    case Tissue::kSoft: return PhantomHu::kSoftTissue;
    case Tissue::kLiver: return PhantomHu::kLiver;
    case Tissue::kKidney: return PhantomHu::kKidney;
    case Tissue::kBone: return PhantomHu::kBone;
    case Tissue::kSkull: return PhantomHu::kSkull;
    case Tissue::kBrain: return PhantomHu::kBrain;
    case Tissue::kCsf: return PhantomHu::kCsf;
    case Tissue::kLesion: return LesionHu(region);
  }
  return 0;
}

// T2-like: fluid bright, fat bright, bone and air dark, lesions bright.
int MrValue(Tissue t) {
  switch (t) {
    case Tissue::kAir: return 0;
    case Tissue::kLung: return 30;
    case Tissue::kFat: return 600;
    case Tissue::kSoft: return 300;
    case Tissue::kLiver: return 200;
    case Tissue::kKidney: return 450;
    case Tissue::kBone: return 80;
    case Tissue::kSkull: return 60;
    case Tissue::kBrain: return 380;
    case Tissue::kCsf: return 900;
    case Tissue::kLesion: return 820;
  }
  return 0;
}

// The tissue of voxel (slice k, row r, column c) in a volume of `slices` slices.
Tissue TissueAt(const PhantomStudy& s, int k, int r, int c, int slices) {
  for (const PhantomLesion& l : s.lesions) {
    const double dr = r - l.row, dc = c - l.column, dk = k - l.slice;
    if (dr * dr + dc * dc + dk * dk <= l.radius_px * l.radius_px) return Tissue::kLesion;
  }
  const double half = kPhantomSize / 2.0;
  return AnatomyAt(s.region, (c + 0.5 - half) / half, (r + 0.5 - half) / half, (k + 0.5) / slices);
}

ScalarVolume EmptyVolume(int slices) {
  ScalarVolume v;
  v.rows = v.columns = kPhantomSize;
  v.slices = slices;
  v.row_spacing_mm = v.column_spacing_mm = v.slice_thickness_mm = kPhantomPixelMm;
  v.values.resize(static_cast<size_t>(kPhantomSize) * kPhantomSize * slices);
  return v;
}

}  // namespace

int LesionHu(const std::string& region) {
  if (region == "chest") return 45;    // a soft-tissue nodule in aerated lung
  // Denser and darker than real lesions often are, so that a min-max scaled slice of a
  // volume spanning air to bone still shows them by several gray levels.
  if (region == "head") return 100;    // an acute hemorrhage, denser than brain
  return -40;                          // a hypodense mass in liver or soft tissue
}

ScalarVolume RenderPhantomVolume(const PhantomStudy& s, Rng& rng) {
  const bool ct = s.modality == PhantomModality::kCt;
  ScalarVolume v = EmptyVolume(kPhantomSlices);
  for (int k = 0; k < v.slices; ++k) {
    for (int r = 0; r < v.rows; ++r) {
      for (int c = 0; c < v.columns; ++c) {
        const Tissue t = TissueAt(s, k, r, c, v.slices);
        const double value = ct ? CtValue(t, s.region) + 8 * rng.Normal() : MrValue(t) + 12 * rng.Normal();
        v.at(k, r, c) = static_cast<int16_t>(std::lround(ct ? std::clamp(value, -1024.0, 3000.0) : std::max(value, 0.0)));
      }
    }
  }
  return v;
}

Image RenderPhantomRadiograph(const PhantomStudy& s, Rng& rng) {
  const int n = kPhantomSize;
  // Attenuation relative to water, integrated front to back along the rows.
  std::vector<double> path(static_cast<size_t>(n) * n, 0.0);
  for (int k = 0; k < n; ++k) {
    for (int r = 0; r < n; ++r) {
      for (int c = 0; c < n; ++c) {
        const Tissue t = TissueAt(s, k, r, c, n);
        // Radiograph nodules are partly calcified so that they show through the lung.
        const int hu = t == Tissue::kLesion ? 250 : CtValue(t, s.region);
        path[static_cast<size_t>(k) * n + c] += (hu + 1000) / 1000.0;
      }
    }
  }
  Image im{n, n, std::vector<uint8_t>(static_cast<size_t>(n) * n * 3)};
  for (int y = 0; y < n; ++y) {
    for (int x = 0; x < n; ++x) {
      const double p = path[static_cast<size_t>(n - 1 - y) * n + x];  // head (last slice) up
      const double gray = std::clamp(255.0 * (1.0 - std::exp(-p / 25.0)) + 2 * rng.Normal(), 0.0, 255.0);
      std::fill_n(&im.rgb[(static_cast<size_t>(y) * n + x) * 3], 3, static_cast<uint8_t>(gray));
    }
  }
  return im;
}

}  // namespace hm
