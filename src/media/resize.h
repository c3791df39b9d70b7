// Pillow-exact resize of 8-bit RGB images. The released weights saw pixels from
// PIL.Image.resize((w, h), BICUBIC) (Pillow 9.4), so this reproduces its fixed-point,
// antialiased two-pass resampler bit for bit rather than some "better" bicubic.
#pragma once

#include "media/frames.h"

namespace hm {

// Resizes to width x height with Pillow's BICUBIC filter (a = -0.5, support widened by the
// scale when shrinking): horizontal pass first, then vertical, each in 22-bit fixed point with
// rounding and clipping to 0..255. Same size is a copy. Throws hm::Error on an empty source or
// a non-positive target.
Image ResizeBicubic(const Image& src, int width, int height);

}  // namespace hm
