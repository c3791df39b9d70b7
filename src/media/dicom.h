// DICOM input (not in the reference: our own design, SPEC 3): a single file (one slice or a
// multi-frame object) or a folder holding one series. Grayscale data becomes a scalar volume
// that is sliced exactly like a NIfTI volume (volume.h); colour data (ultrasound, endoscopy,
// secondary captures) keeps its frames as they are.
#pragma once

#include <optional>
#include <string>

#include "media/dicom_window.h"
#include "media/frames.h"
#include "media/volume.h"

namespace hm {

struct DicomOptions {
  // Slices sampled as floor(linspace(0, n - 1, num_slices)) like the reference's NIfTI loader
  // (indices repeat when the volume has fewer); 0 takes every slice once.
  int num_slices = 180;
  // Axis of the volume array (rows, columns, slices) to slice across. The default,
  // kAxial (2), walks the acquired slices; kSagittal (0) gives one image per row
  // (columns x slices), kCoronal (1) one per column (rows x slices). The names match the
  // planes only for an axial acquisition. Colour data accepts only the default.
  SliceAxis axis = SliceAxis::kAxial;
  // Without a window each slice is min-max stretched to 0..255 (the reference's NIfTI
  // rule); with one, values map through it (dicom_window.h) so slices share one contrast.
  std::optional<DicomWindow> window;
};

// Loads `path`: a DICOM file, or a folder whose regular files (hidden files and DICOMDIR
// skipped) form one series. Slices are ordered by ImagePositionPatient projected on the slice
// normal (ImageOrientationPatient), falling back to InstanceNumber, then file name; frames of
// a multi-frame file keep their order. Grayscale pixels get RescaleSlope/Intercept and
// MONOCHROME1 is inverted so that bright means dense everywhere.
//
// Result: one image of merge size 1 when there is a single slice (an X-ray, a photo), else
// num_slices images of merge size 2; from_pil is true (like the reference's NIfTI slices);
// no timestamps. Exception: a single multi-frame file with frame timing is a cine loop and
// is read as LoadDicomCine reads it (dicom_cine.h: a video, at most num_slices frames).
// Throws hm::Error naming the file on anything unreadable or inconsistent.
Frames LoadDicom(const std::string& path, const DicomOptions& options = {});

}  // namespace hm
