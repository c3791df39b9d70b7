// 2D images and video frames of the phantom world: ultrasound with speckle and a cine loop
// whose chamber grows or shrinks, endoscopy with polyps and a moving instrument, H&E-like
// pathology with tumour foci, and fundus photographs with hemorrhages. kPhantomSize pixels a side.
#pragma once

#include <vector>

#include "data/phantom_study.h"
#include "data/random.h"
#include "media/frames.h"

namespace hm {

// The study's frames: study.frames of them for ultrasound and endoscopy, one otherwise.
std::vector<Image> RenderPhantomFrames(const PhantomStudy& study, Rng& rng);

// Chamber radius of ultrasound frame `t` (pixels): the quantity the cine loop changes.
double UltrasoundChamberRadius(const PhantomStudy& study, int t);

// Length in pixels of the endoscopy instrument in frame `t` (0 before it appears).
double InstrumentLength(const PhantomStudy& study, int t);

}  // namespace hm
