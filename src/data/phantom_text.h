// The text of the phantom world: for every study, training samples for each stage of the
// curriculum (short captions; long captions and open QA; closed/open/multiple-choice VQA,
// reports, 3D and video questions; text-only questions), in the reference training format
// plus `family`, `stage`, `format` and `answer` (the gpt turn), all read off the ground truth.
#pragma once

#include <nlohmann/json.hpp>
#include <string>
#include <vector>

#include "data/phantom_study.h"
#include "data/random.h"

namespace hm {

// Where a study's media were written, relative to the samples file; empty when absent.
struct PhantomMedia {
  std::string image;  // radiograph, pathology, fundus, first ultrasound/endoscopy frame
  std::string video;  // ultrasound cine loop, endoscopy clip
  std::string nifti;  // CT, MR
  std::string dicom;  // CT series folder
};

// Question families, in the order samples are written.
inline constexpr const char* kPhantomFamilies[] = {
    "caption_short", "caption_long", "open_qa", "modality", "body_region", "lesion_presence", "lesion_count",
    "laterality", "size_class", "slice", "frame", "change", "report", "text_only"};

std::vector<nlohmann::ordered_json> PhantomSamples(const PhantomStudy& study, const PhantomMedia& media, Rng& rng);

}  // namespace hm
