#include "data/record_media.h"

#include <filesystem>

#include "core/error.h"
#include "media/dicom.h"
#include "media/image_file.h"
#include "media/image_folder.h"
#include "media/nifti.h"
#include "media/video.h"

namespace hm {
namespace {

SliceAxis AxisOf(const RecordMedia& m) {
  if (m.axis.empty() || m.axis == "axial" || m.axis == "2") return SliceAxis::kAxial;
  if (m.axis == "coronal" || m.axis == "1") return SliceAxis::kCoronal;
  if (m.axis == "sagittal" || m.axis == "0") return SliceAxis::kSagittal;
  Fail(m.field, ": axis must be axial, coronal or sagittal (or 2, 1, 0), got '", m.axis, "'");
}

}  // namespace

Frames LoadRecordMedia(const RecordMedia& m) {
  namespace fs = std::filesystem;
  std::error_code ec;
  HM_CHECK(fs::exists(m.path, ec), m.path, ": missing file");
  switch (m.kind) {
    case RecordMedia::Kind::kImage: return StillImage(LoadImageFile(m.path));
    case RecordMedia::Kind::kVideo: {
      if (fs::is_directory(m.path, ec)) return LoadImageFolder(m.path);
      VideoOptions v;
      v.fps = 1.0;
      return LoadVideo(m.path, v);
    }
    case RecordMedia::Kind::kVolume: {
      const int slices = m.slices.value_or(180);
      if (IsNiftiFile(m.path)) {
        HM_CHECK(m.window.empty(), m.field, ": a window applies to DICOM only");
        return LoadNifti(m.path, NiftiOptions{AxisOf(m), slices});
      }
      DicomOptions d;
      d.num_slices = slices;
      d.axis = AxisOf(m);
      if (!m.window.empty()) d.window = ParseDicomWindow(m.window);
      return LoadDicom(m.path, d);
    }
  }
  return {};
}

}  // namespace hm
