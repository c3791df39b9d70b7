#include "data/dicom_writer.h"

#include <dcmtk/config/osconfig.h>
#include <dcmtk/dcmdata/dcdeftag.h>
#include <dcmtk/dcmdata/dcfilefo.h>
#include <dcmtk/dcmdata/dcuid.h>

#include <algorithm>
#include <cstdio>

#include "core/error.h"
#include "data/content_hash.h"

namespace hm {
namespace {

std::string Decimal(double v) {
  char buf[32];
  std::snprintf(buf, sizeof buf, "%.6g", v);  // DS holds at most 16 characters
  return buf;
}

void Put(DcmDataset& ds, const DcmTagKey& tag, const std::string& value, const std::string& path) {
  const OFCondition c = ds.putAndInsertString(tag, value.c_str());
  HM_CHECK(c.good(), path, ": cannot set DICOM tag ", tag.toString().c_str(), " (", c.text(), ")");
}

}  // namespace

std::string UidFor(const std::string& key) {
  ContentHash hash;
  hash.Add(key);
  unsigned __int128 h = hash.Value();
  std::string digits;
  do {
    digits += static_cast<char>('0' + static_cast<int>(h % 10));
    h /= 10;
  } while (h != 0);
  std::reverse(digits.begin(), digits.end());
  return "2.25." + digits;
}

std::vector<std::string> WriteDicomSeries(const std::string& dir, const ScalarVolume& v,
                                          const DicomSeriesInfo& info) {
  HM_CHECK(info.modality == "CT" || info.modality == "MR", dir, ": modality must be CT or MR");
  HM_CHECK(v.values.size() == static_cast<size_t>(v.rows) * v.columns * v.slices && v.slices >= 1,
           dir, ": volume shape does not match its values");
  const char* sop_class = info.modality == "CT" ? UID_CTImageStorage : UID_MRImageStorage;
  std::vector<std::string> paths;
  const size_t plane = static_cast<size_t>(v.rows) * v.columns;
  for (int k = 0; k < v.slices; ++k) {
    char name[32];
    std::snprintf(name, sizeof name, "/IM%04d.dcm", k + 1);
    const std::string path = dir + name;
    DcmFileFormat file;
    DcmDataset& ds = *file.getDataset();
    const std::string sop_uid = info.series_uid + "." + std::to_string(k + 1);
    const double z = info.origin_mm[2] + k * v.slice_thickness_mm;
    Put(ds, DCM_SOPClassUID, sop_class, path);
    Put(ds, DCM_SOPInstanceUID, sop_uid, path);
    Put(ds, DCM_StudyInstanceUID, info.study_uid, path);
    Put(ds, DCM_SeriesInstanceUID, info.series_uid, path);
    Put(ds, DCM_FrameOfReferenceUID, info.study_uid + ".1", path);
    Put(ds, DCM_Modality, info.modality, path);
    Put(ds, DCM_BodyPartExamined, info.body_part, path);
    Put(ds, DCM_SeriesDescription, info.series_description, path);
    Put(ds, DCM_PatientName, "PHANTOM^" + info.patient_id, path);
    Put(ds, DCM_PatientID, info.patient_id, path);
    Put(ds, DCM_StudyDate, info.study_date, path);
    Put(ds, DCM_SeriesDate, info.study_date, path);
    Put(ds, DCM_Manufacturer, "hulumed phantoms", path);
    Put(ds, DCM_SeriesNumber, "1", path);
    Put(ds, DCM_InstanceNumber, std::to_string(k + 1), path);
    Put(ds, DCM_ImagePositionPatient,
        Decimal(info.origin_mm[0]) + "\\" + Decimal(info.origin_mm[1]) + "\\" + Decimal(z), path);
    Put(ds, DCM_ImageOrientationPatient, "1\\0\\0\\0\\1\\0", path);
    Put(ds, DCM_SliceLocation, Decimal(z), path);
    Put(ds, DCM_PixelSpacing, Decimal(v.row_spacing_mm) + "\\" + Decimal(v.column_spacing_mm), path);
    Put(ds, DCM_SliceThickness, Decimal(v.slice_thickness_mm), path);
    Put(ds, DCM_SamplesPerPixel, "1", path);
    Put(ds, DCM_PhotometricInterpretation, "MONOCHROME2", path);
    Put(ds, DCM_Rows, std::to_string(v.rows), path);
    Put(ds, DCM_Columns, std::to_string(v.columns), path);
    Put(ds, DCM_BitsAllocated, "16", path);
    Put(ds, DCM_BitsStored, "16", path);
    Put(ds, DCM_HighBit, "15", path);
    Put(ds, DCM_PixelRepresentation, "0", path);
    Put(ds, DCM_RescaleIntercept, Decimal(info.rescale_intercept), path);
    Put(ds, DCM_RescaleSlope, "1", path);
    if (info.modality == "CT") Put(ds, DCM_RescaleType, "HU", path);
    Put(ds, DCM_WindowCenter, Decimal(info.window_center), path);
    Put(ds, DCM_WindowWidth, Decimal(info.window_width), path);
    std::vector<Uint16> stored(plane);
    for (size_t i = 0; i < plane; ++i) {
      const double s = v.values[k * plane + i] - info.rescale_intercept;
      HM_CHECK(s >= 0 && s <= 65535, path, ": value ", v.values[k * plane + i],
               " does not fit unsigned 16 bits after the rescale intercept");
      stored[i] = static_cast<Uint16>(s);
    }
    const OFCondition c = ds.putAndInsertUint16Array(DCM_PixelData, stored.data(), stored.size());
    HM_CHECK(c.good(), path, ": cannot set pixel data (", c.text(), ")");
    const OFCondition saved = file.saveFile(path.c_str(), EXS_LittleEndianExplicit);
    HM_CHECK(saved.good(), path, ": cannot write DICOM (", saved.text(), ")");
    paths.push_back(path);
  }
  return paths;
}

}  // namespace hm
