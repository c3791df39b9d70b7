#include "data/phantoms.h"

#include <filesystem>
#include <fstream>
#include <nlohmann/json.hpp>

#include "core/error.h"
#include "data/dicom_writer.h"
#include "data/nifti_writer.h"
#include "data/phantom_scenes.h"
#include "data/phantom_text.h"
#include "data/phantom_volume.h"
#include "data/png_writer.h"
#include "data/video_writer.h"

namespace hm {
namespace {

namespace fs = std::filesystem;

// Writes the study's media under out/<id>/ and returns their paths relative to out.
PhantomMedia WriteStudyMedia(const PhantomStudy& s, const std::string& out, uint64_t seed, Rng& rng) {
  fs::create_directories(fs::path(out) / s.id);
  PhantomMedia m;
  auto path = [&](const std::string& rel) { return (fs::path(out) / rel).string(); };
  switch (s.modality) {
    case PhantomModality::kCt:
    case PhantomModality::kMr: {
      const bool ct = s.modality == PhantomModality::kCt;
      const ScalarVolume v = RenderPhantomVolume(s, rng);
      m.nifti = s.id + (ct ? "/ct.nii.gz" : "/mr.nii.gz");
      WriteNifti(path(m.nifti), v);
      if (ct) {
        m.dicom = s.id + "/ct_dicom";
        fs::create_directories(path(m.dicom));
        DicomSeriesInfo info;
        info.body_part = s.region == "chest" ? "CHEST" : s.region == "head" ? "HEAD" : "ABDOMEN";
        info.series_description = "Phantom CT " + s.region;
        info.patient_id = s.id;
        const std::string key = std::to_string(seed) + "/" + s.id;
        info.study_uid = UidFor("study " + key);
        info.series_uid = UidFor("series " + key);
        info.origin_mm = {-kPhantomSize * kPhantomPixelMm / 2, -kPhantomSize * kPhantomPixelMm / 2, 0};
        info.rescale_intercept = -1024;
        if (s.region == "chest") info.window_center = -600, info.window_width = 1500;
        if (s.region == "head") info.window_center = 40, info.window_width = 80;
        WriteDicomSeries(path(m.dicom), v, info);
      }
      break;
    }
    case PhantomModality::kXray:
      m.image = s.id + "/xray.png";
      WritePng(path(m.image), RenderPhantomRadiograph(s, rng));
      break;
    default: {
      const std::vector<Image> frames = RenderPhantomFrames(s, rng);
      const std::string stem = s.modality == PhantomModality::kUltrasound  ? "us"
                               : s.modality == PhantomModality::kEndoscopy ? "endo"
                               : s.modality == PhantomModality::kPathology ? "pathology"
                                                                           : "fundus";
      m.image = s.id + "/" + stem + ".png";
      WritePng(path(m.image), frames[0]);
      if (frames.size() > 1) {
        m.video = s.id + "/" + stem + ".mp4";
        WriteVideo(path(m.video), frames, kPhantomFps);
      }
    }
  }
  return m;
}

nlohmann::ordered_json StudyJson(const PhantomStudy& s) {
  nlohmann::ordered_json j;
  j["id"] = s.id;
  j["modality"] = ModalityName(s.modality);
  j["region"] = s.region;
  j["lesions"] = nlohmann::ordered_json::array();
  for (const PhantomLesion& l : s.lesions) {
    j["lesions"].push_back({{"row", l.row}, {"column", l.column}, {"slice", l.slice}, {"diameter_mm", l.diameter_mm},
                            {"size_class", SizeClass(l.diameter_mm)}, {"side", l.side}});
  }
  j["frames"] = s.frames;
  if (!s.motion.empty()) j["motion"] = s.motion;
  if (s.modality == PhantomModality::kEndoscopy) j["first_frame"] = s.first_frame, j["tool_side"] = s.tool_side;
  if (!s.eye.empty()) j["eye"] = s.eye;
  return j;
}

}  // namespace

PhantomSummary GeneratePhantoms(const PhantomOptions& o) {
  HM_CHECK(!o.out_dir.empty(), "phantoms: --out is required");
  HM_CHECK(o.count >= 1 && o.count <= 100000, "phantoms: --count must be 1..100000, got ", o.count);
  fs::create_directories(o.out_dir);
  std::ofstream samples(fs::path(o.out_dir) / "samples.jsonl", std::ios::binary | std::ios::trunc);
  std::ofstream studies(fs::path(o.out_dir) / "studies.jsonl", std::ios::binary | std::ios::trunc);
  HM_CHECK(samples && studies, o.out_dir, ": cannot create samples.jsonl / studies.jsonl");
  PhantomSummary summary;
  for (int i = 0; i < o.count; ++i) {
    const PhantomStudy s = DrawPhantomStudy(o.seed, i);
    // Rendering and text draw from their own stream so the study itself never depends on them.
    Rng rng = Rng::For(o.seed ^ 0x5eedf00dULL, static_cast<uint64_t>(i));
    const PhantomMedia media = WriteStudyMedia(s, o.out_dir, o.seed, rng);
    for (const auto& j : PhantomSamples(s, media, rng)) {
      samples << j.dump() << '\n';
      ++summary.samples;
    }
    studies << StudyJson(s).dump() << '\n';
    ++summary.studies;
  }
  samples.close();
  studies.close();
  HM_CHECK(samples && studies, o.out_dir, ": write failed");
  return summary;
}

}  // namespace hm
