// `hulumed data phantoms`: writes a synthetic medical world with known ground truth.
//   DIR/study_NNNN/...      the media (ct.nii.gz + ct_dicom/, mr.nii.gz, xray.png, us.png +
//                           us.mp4, endo.png + endo.mp4, pathology.png, fundus.png)
//   DIR/samples.jsonl       training samples (phantom_text.h), media paths relative to DIR
//   DIR/studies.jsonl       the ground truth of every study
// Everything is a function of (seed, count): the same arguments give the same bytes.
#pragma once

#include <cstdint>
#include <string>

namespace hm {

struct PhantomOptions {
  uint64_t seed = 0;
  int count = 14;  // studies; modalities take turns, so multiples of 7 are balanced
  std::string out_dir;
};

struct PhantomSummary {
  int studies = 0;
  int samples = 0;
};

PhantomSummary GeneratePhantoms(const PhantomOptions& options);

}  // namespace hm
