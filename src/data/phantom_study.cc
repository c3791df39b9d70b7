#include "data/phantom_study.h"

#include <algorithm>
#include <cmath>
#include <cstdio>

#include "data/random.h"

namespace hm {
namespace {

// Diameters (mm) per size class, so that each class is drawn equally often.
double DrawDiameter(Rng& rng) {
  switch (rng.Int(0, 2)) {
    case 0: return rng.Uniform(9, 14);
    case 1: return rng.Uniform(16, 24);
    default: return rng.Uniform(26, 36);
  }
}

// Up to `count` lesions in the box of half-extents (row_extent, col_extent) around (cr, cc),
// apart from each other, each on a drawn side and at a slice in [slice_lo, slice_hi].
void DrawLesions(Rng& rng, PhantomStudy& s, int count, double mm_per_px, double cr, double cc, double row_extent,
                 double col_extent, int slice_lo, int slice_hi) {
  for (int attempt = 0; attempt < 50 && static_cast<int>(s.lesions.size()) < count; ++attempt) {
    PhantomLesion l;
    l.diameter_mm = DrawDiameter(rng);
    l.radius_px = l.diameter_mm / 2 / mm_per_px;
    const bool right = rng.Chance(0.5);  // patient's right = image left
    l.side = right ? "right" : "left";
    const double margin = l.radius_px + 1;
    l.column = right ? rng.Uniform(cc - col_extent + margin, cc - margin - 2)
                     : rng.Uniform(cc + margin + 2, cc + col_extent - margin);
    l.row = rng.Uniform(cr - row_extent + margin, cr + row_extent - margin);
    l.slice = rng.Int(slice_lo, slice_hi);
    bool apart = true;
    for (const PhantomLesion& o : s.lesions) {
      const double d = std::hypot(o.row - l.row, o.column - l.column);
      if (d < o.radius_px + l.radius_px + 3 && std::abs(o.slice - l.slice) * 5 < o.diameter_mm + l.diameter_mm) {
        apart = false;
      }
    }
    if (apart && l.column - l.radius_px > 0 && l.column + l.radius_px < kPhantomSize) s.lesions.push_back(l);
  }
}

}  // namespace

const char* ModalityName(PhantomModality m) {
  switch (m) {
    case PhantomModality::kCt: return "CT";
    case PhantomModality::kMr: return "MRI";
    case PhantomModality::kXray: return "X-ray";
    case PhantomModality::kUltrasound: return "ultrasound";
    case PhantomModality::kEndoscopy: return "endoscopy";
    case PhantomModality::kPathology: return "pathology";
    case PhantomModality::kFundus: return "fundus photography";
  }
  return "?";
}

const char* SizeClass(double diameter_mm) {
  return diameter_mm < 15 ? "small" : diameter_mm < 25 ? "medium" : "large";
}

PhantomStudy DrawPhantomStudy(uint64_t seed, int index) {
  Rng rng = Rng::For(seed, static_cast<uint64_t>(index));
  PhantomStudy s;
  s.index = index;
  char id[32];
  std::snprintf(id, sizeof id, "study_%04d", index);
  s.id = id;
  s.modality = static_cast<PhantomModality>(index % kPhantomModalities);
  const double c = kPhantomSize / 2.0;
  const int count = rng.Chance(0.3) ? 0 : rng.Int(1, 3);
  switch (s.modality) {
    case PhantomModality::kCt:
    case PhantomModality::kMr: {
      s.region = s.modality == PhantomModality::kMr ? rng.Pick<std::string>({"head", "abdomen"})
                                                    : rng.Pick<std::string>({"chest", "abdomen", "head"});
      // Lesions sit inside the organ that holds them: lungs, liver and kidneys, brain.
      const double rows = s.region == "head" ? 17 : 13, cols = s.region == "head" ? 14 : 22;
      DrawLesions(rng, s, count, kPhantomPixelMm, c - 1, c, rows, cols, 6, kPhantomSlices - 7);
      s.frames = kPhantomSlices;
      break;
    }
    case PhantomModality::kXray:
      // Drawn in a chest volume of kPhantomSize slices whose projection is the radiograph;
      // `slice` becomes the image row counted from the bottom.
      s.region = "chest";
      DrawLesions(rng, s, count, kPhantomPixelMm, c - 1, c, 13, 22, 16, kPhantomSize - 17);
      break;
    case PhantomModality::kUltrasound:
      s.region = rng.Pick<std::string>({"heart", "abdomen"});
      s.frames = kPhantomVideoFrames;
      s.motion = rng.Chance(0.5) ? "grows" : "shrinks";
      DrawLesions(rng, s, std::min(count, 1), 2.0, c + 14, c, 10, 24, 0, 0);  // a cyst, 2 mm pixels
      break;
    case PhantomModality::kEndoscopy:
      s.region = "colon";
      s.frames = kPhantomVideoFrames;
      s.first_frame = rng.Int(0, 7);
      s.motion = rng.Chance(0.5) ? "advances" : "withdraws";
      s.tool_side = rng.Chance(0.5) ? "left" : "right";
      DrawLesions(rng, s, std::min(count, 2), 2.0, c, c, 20, 26, 0, 0);  // polyps, 2 mm pixels
      break;
    case PhantomModality::kPathology:
      s.region = "tissue";
      DrawLesions(rng, s, std::min(count, 2), 3.0, c, c, 22, 26, 0, 0);  // tumour foci
      break;
    case PhantomModality::kFundus:
      s.region = "eye";
      s.eye = rng.Chance(0.5) ? "left" : "right";
      DrawLesions(rng, s, count, 4.0, c, c, 18, 22, 0, 0);  // hemorrhages
      break;
  }
  // Image-side lesions: for photographs "side" means the image half, not the patient's.
  if (s.modality == PhantomModality::kEndoscopy || s.modality == PhantomModality::kFundus ||
      s.modality == PhantomModality::kPathology) {
    for (PhantomLesion& l : s.lesions) l.side = l.column < c ? "left" : "right";
  }
  return s;
}

}  // namespace hm
