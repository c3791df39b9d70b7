// Held-out real scans: the DICOM test files Debian's python3-pydicom installs, read in place,
// with questions whose answers come from each file's own tags (docs/real-scans.md lists the
// files and their licence). The set is a function of the installed files: every DICOM file
// under the folder in sorted path order that our decoder reads, whose Modality the phantom
// world names (CT, MR, US, CR/DX), one file per (series, instance) so that pydicom's copies of
// one image in other transfer syntaxes count once.
#include <algorithm>
#include <array>
#include <cmath>
#include <filesystem>
#include <map>
#include <set>

#include "core/error.h"
#include "eval/loaders.h"
#include "media/dicom_file.h"

namespace hm::eval {
namespace {

namespace fs = std::filesystem;

// DICOM Modality -> the phantom world's name for it ("What imaging modality is this?").
std::string WorldModality(const std::string& modality) {
  static const std::map<std::string, std::string> kNames = {
      {"CT", "CT"}, {"MR", "MRI"}, {"US", "ultrasound"}, {"CR", "X-ray"}, {"DX", "X-ray"}};
  const auto it = kNames.find(modality);
  return it == kNames.end() ? "" : it->second;
}

// BodyPartExamined -> the world's region, empty for parts it has no name for.
std::string WorldRegion(const std::string& body_part) {
  static const std::map<std::string, std::string> kRegions = {
      {"HEAD", "head"}, {"BRAIN", "head"}, {"SKULL", "head"}, {"CHEST", "chest"},
      {"THORAX", "chest"}, {"LUNG", "chest"}, {"ABDOMEN", "abdomen"}, {"HEART", "heart"}};
  const auto it = kRegions.find(body_part);
  return it == kRegions.end() ? "" : it->second;
}

// The acquisition plane from ImageOrientationPatient: the slice normal (row x column
// direction) along the patient's z axis is axial, along y coronal, along x sagittal; an
// oblique slice takes its largest component.
std::string Plane(const std::array<double, 6>& o) {
  const double nx = o[1] * o[5] - o[2] * o[4], ny = o[2] * o[3] - o[0] * o[5], nz = o[0] * o[4] - o[1] * o[3];
  if (std::abs(nz) >= std::abs(nx) && std::abs(nz) >= std::abs(ny)) return "axial";
  return std::abs(ny) >= std::abs(nx) ? "coronal" : "sagittal";
}

std::vector<std::string> SortedFiles(const std::string& dir) {
  std::vector<std::string> files;
  for (const auto& entry : fs::recursive_directory_iterator(dir))
    if (entry.is_regular_file()) files.push_back(fs::relative(entry.path(), dir).generic_string());
  std::sort(files.begin(), files.end());
  return files;
}

}  // namespace

std::vector<EvalSample> LoadRealScans(const std::string& dir, bool /*reasoning: the world's own prompts*/) {
  std::vector<EvalSample> out;
  std::set<std::string> seen;  // series/instance
  for (const std::string& rel : SortedFiles(dir)) {
    const std::string path = dir + "/" + rel;
    if (!IsDicomFile(path)) continue;
    DicomImageInfo info;
    try {
      DicomFile file(path);
      file.DecodeFrame(0);  // a file the model cannot be shown is not an item
      info = file.info();
    } catch (const Error&) {
      continue;
    }
    const std::string modality = WorldModality(info.modality);
    if (modality.empty()) continue;
    if (!info.series_uid.empty() && info.instance_number &&
        !seen.insert(info.series_uid + "/" + std::to_string(*info.instance_number)).second)
      continue;
    auto add = [&](const std::string& family, const std::string& question, const std::string& answer) {
      EvalSample s;
      s.index = static_cast<int64_t>(out.size());
      s.id = rel + "#" + family;
      s.kind = "close_ended";
      s.category = family;
      s.prompt = s.question = question;
      s.answer = answer;
      MediaSpec spec;
      spec.format = MediaFormat::kDicom;
      spec.path = path;
      s.media_specs = {spec};
      out.push_back(std::move(s));
    };
    add("modality", "What imaging modality is this?", modality);
    if (const std::string region = WorldRegion(info.body_part); !region.empty())
      add("body_region", "Which body region is imaged?", region);
    if (info.orientation) add("plane", "In which plane is this image?", Plane(*info.orientation));
  }
  return out;
}

}  // namespace hm::eval
