// DICOM output of a generated volume: one file per slice, Explicit VR Little Endian, with the
// tags a PACS and the engine's reader (media/dicom.h) rely on: UIDs, Modality,
// BodyPartExamined, geometry (ImagePositionPatient, ImageOrientationPatient, PixelSpacing,
// SliceThickness), rescale to real units (HU for CT) and a display window.
#pragma once

#include <array>
#include <string>
#include <vector>

#include "data/scalar_volume.h"

namespace hm {

struct DicomSeriesInfo {
  std::string modality = "CT";        // CT or MR (decides the SOP class)
  std::string body_part = "CHEST";    // BodyPartExamined, upper case (PS3.16 Annex L)
  std::string series_description;
  std::string patient_id = "PHANTOM";
  std::string study_date = "20260101";
  std::string study_uid, series_uid;  // SOPInstanceUID of slice i is series_uid + "." + (i + 1)
  std::array<double, 3> origin_mm{0, 0, 0};  // ImagePositionPatient of slice 0
  // Stored values are volume values minus rescale_intercept (so CT stores HU + 1024 unsigned).
  double rescale_intercept = 0;
  double window_center = 40, window_width = 400;
};

// A deterministic UID under the UUID-derived root 2.25 (PS3.5 B.2) for `key`.
std::string UidFor(const std::string& key);

// Writes dir/IM0001.dcm ... one per slice (the folder must exist). Returns the file paths.
std::vector<std::string> WriteDicomSeries(const std::string& dir, const ScalarVolume& volume,
                                          const DicomSeriesInfo& info);

}  // namespace hm
