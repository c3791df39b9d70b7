// Intensity windows for DICOM volumes: instead of the reference-style per-slice min-max,
// map a fixed range of (rescaled) values to 0..255 so every slice shares one contrast and
// tissue classes keep their grey levels across slices.
#pragma once

#include <string_view>

namespace hm {

struct DicomWindow {
  double width = 0;  // > 0, in rescaled units (Hounsfield units for CT)
  double level = 0;  // the window centre
  // Take width/level from the file's own WindowWidth/WindowCenter (first value) instead.
  bool from_file = false;
};

// Parses "WIDTH:LEVEL" (e.g. "1500:-600"), "file", or a named CT preset. Presets, as
// Radiopaedia's "Windowing (CT)" article lists them (width:level, HU):
//   brain 80:40   lung 1500:-600   mediastinum 350:50   abdomen 400:50   liver 150:30
//   bone 1800:400
// Throws hm::Error naming the accepted forms on anything else.
DicomWindow ParseDicomWindow(std::string_view spec);

// The linear VOI LUT function of DICOM PS3.3 C.11.2.1.2.1 with a 0..255 output range:
// values at or below level - 0.5 - (width - 1) / 2 give 0, above level - 0.5 + (width - 1) / 2
// give 255, and the ramp between is rounded to the nearest integer. NaN maps to 0.
unsigned char ApplyDicomWindow(double value, const DicomWindow& window);

}  // namespace hm
