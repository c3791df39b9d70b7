// Volumes and projections of the phantom world: analytic anatomy (body wall, fat, lungs,
// heart, liver, kidneys, spine, skull, brain, ventricles) plus the study's spherical lesions,
// as CT in Hounsfield units or as T2-like MR intensities, and chest radiographs projected
// through the CT.
#pragma once

#include "data/phantom_study.h"
#include "data/random.h"
#include "data/scalar_volume.h"
#include "media/frames.h"

namespace hm {

// Hounsfield units of the world's tissues (also quoted by its text-only questions).
struct PhantomHu {
  static constexpr int kAir = -1000, kLung = -850, kFat = -100, kSoftTissue = 40, kLiver = 60,
                       kKidney = 30, kBrain = 35, kCsf = 5, kBone = 700, kSkull = 1000;
};

// CT (HU) or MR (arbitrary units, 0..1000) of a kCt / kMr study: kPhantomSize^2 x
// kPhantomSlices voxels of kPhantomPixelMm, with Gaussian noise from `rng`.
ScalarVolume RenderPhantomVolume(const PhantomStudy& study, Rng& rng);

// A frontal chest radiograph of a kXray study: the line integral of attenuation through a
// kPhantomSize-slice CT, head up, dense = bright, patient's right on the image left.
Image RenderPhantomRadiograph(const PhantomStudy& study, Rng& rng);

// The lesion's CT value in the study's region (nodules, hypodense masses, hemorrhages).
int LesionHu(const std::string& region);

}  // namespace hm
