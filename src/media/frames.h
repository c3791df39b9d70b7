// The shared currency of the media layer: every visual input (still image, image folder,
// NIfTI/DICOM volume, video) is loaded into a Frames, a sequence of 8-bit RGB planes, and
// only then preprocessed (preprocess.h) into patch rows for the vision encoder.
#pragma once

#include <cstdint>
#include <vector>

namespace hm {

// One 8-bit RGB plane, row-major, interleaved: rgb[(y * width + x) * 3 + c].
struct Image {
  int width = 0;
  int height = 0;
  std::vector<uint8_t> rgb;
};

struct Frames {
  std::vector<Image> images;
  // Seconds per frame, same length as images; empty when the input has no time axis.
  std::vector<double> timestamps;
  // The reference hands still images, image folders and volume slices to its processor as
  // PIL images and reads their size as (height, width) although PIL says (width, height);
  // decoded video frames are numpy arrays and escape that swap. Preprocess reproduces the
  // swap only where this is true (SPEC 3, the size quirk).
  bool from_pil = true;
  // Patches merged per side into one visual token: 1 for still images, 2 for video/3D.
  int merge_size = 1;
};

}  // namespace hm
