// The synthetic medical world's ground truth: one study per index, drawn from a seed. Every
// image, volume and video of `hulumed data phantoms` is rendered from a PhantomStudy and every
// answer in its text is read off it, so the answers are known exactly.
#pragma once

#include <cstdint>
#include <string>
#include <vector>

namespace hm {

enum class PhantomModality { kCt, kMr, kXray, kUltrasound, kEndoscopy, kPathology, kFundus };
inline constexpr int kPhantomModalities = 7;

// "CT", "MRI", "X-ray", "ultrasound", "endoscopy", "pathology", "fundus photography".
const char* ModalityName(PhantomModality m);

// Size classes by largest diameter: small < 15 mm <= medium < 25 mm <= large.
const char* SizeClass(double diameter_mm);

// A lesion (nodule, mass, hemorrhage, cyst, polyp, tumour focus) in the study's own pixel
// grid. Sides are the patient's, in radiological display: the patient's right is on the image
// left (column < width / 2). For fundus photographs and endoscopy, "side" is the image side.
struct PhantomLesion {
  double row = 0, column = 0;  // centre in pixels of the 2D image or axial slice
  int slice = 0;               // central slice (volumes), else 0
  double radius_px = 0;
  double diameter_mm = 0;
  std::string side;  // "left" or "right"
};

struct PhantomStudy {
  int index = 0;
  std::string id;  // "study_0007"
  PhantomModality modality = PhantomModality::kCt;
  std::string region;  // "chest", "abdomen", "head", "heart", "colon", "tissue", "eye"
  std::vector<PhantomLesion> lesions;
  // Videos: the loop's length, and the frame where the moving object first shows.
  int frames = 1;
  int first_frame = 0;
  // What moves between frames: ultrasound "grows" / "shrinks" (the chamber), endoscopy
  // "advances" / "withdraws" (the instrument).
  std::string motion;
  std::string tool_side;  // endoscopy: the image side the instrument enters from
  std::string eye;        // fundus: "left" or "right" eye (the optic disc lies nasally)
};

// Geometry shared by the renderers and the text.
inline constexpr int kPhantomSize = 64;        // image side and axial slice side, pixels
inline constexpr int kPhantomSlices = 32;      // slices of CT/MR volumes
inline constexpr double kPhantomPixelMm = 5;   // in-plane spacing and slice thickness of volumes
inline constexpr int kPhantomVideoFrames = 16;
// One frame per second: the training default samples videos at 1 fps, so every frame is seen
// and "frame k" in the text is the k-th frame the model gets.
inline constexpr int kPhantomFps = 1;

// The study at `index` of a run seeded with `seed`: modalities take turns (index mod 7) so
// any count is balanced; everything else is drawn.
PhantomStudy DrawPhantomStudy(uint64_t seed, int index);

}  // namespace hm
