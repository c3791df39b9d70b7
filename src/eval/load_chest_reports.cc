// Chest X-ray report generation as the datasets are published: MIMIC-CXR (PhysioNet: the
// JPG release's files/ tree and split table, the report .txt files of mimic-cxr-reports.zip)
// and CheXpert Plus (df_chexpert_plus_240401.csv with its report sections, and the images).
// Without the published table, MedUniEval's own mimic_test.json / chexpert_val.json is read.
#include <algorithm>
#include <filesystem>
#include <fstream>
#include <initializer_list>
#include <map>
#include <sstream>

#include "core/error.h"
#include "eval/csv.h"
#include "eval/loaders.h"

namespace hm::eval {
namespace {

namespace fs = std::filesystem;

std::string Collapse(const std::string& text) {
  std::string out;
  for (const std::string& word : PySplit(text)) out += (out.empty() ? "" : " ") + word;
  return out;
}

// The gold report: the findings, then the impression, whitespace collapsed and headings
// dropped (the prompt asks for both; MedUniEval cuts "Findings:"/"Impression:" from responses).
std::string FindingsThenImpression(const std::string& findings, const std::string& impression) {
  const std::string f = Collapse(findings), i = Collapse(impression);
  return f.empty() ? i : i.empty() ? f : f + " " + i;
}

// A MIMIC-CXR report's sections by heading: a line whose first word run is upper case and
// ends in ':' ("FINDINGS:", "IMPRESSION:", "WET READ:") opens a section that runs to the next.
std::map<std::string, std::string> ReportSections(const std::string& report) {
  std::map<std::string, std::string> sections;
  std::string current;
  std::istringstream lines(report);
  for (std::string line; std::getline(lines, line);) {
    const size_t start = line.find_first_not_of(" \t\r");
    const size_t colon = line.find(':');
    bool heading = start != std::string::npos && colon != std::string::npos && colon > start;
    for (size_t k = start; heading && k < colon; ++k) {
      const char c = line[k];
      heading = (c >= 'A' && c <= 'Z') || c == ' ' || c == '/' || c == '&' || c == '(' || c == ')' || c == '-';
    }
    if (heading) {
      current = PyStrip(line.substr(start, colon - start));
      line = line.substr(colon + 1);
    }
    if (!current.empty()) sections[current] += line + "\n";
  }
  return sections;
}

std::string ReadText(const std::string& path, const std::string& what) {
  std::ifstream in(path, std::ios::binary);
  HM_CHECK(in, path, ": ", what, " not found");
  std::stringstream buffer;
  buffer << in.rdbuf();
  return buffer.str();
}

std::string FirstPresent(const std::string& dir, std::initializer_list<const char*> names) {
  for (const char* name : names)
    if (fs::exists(fs::path(dir) / name)) return (fs::path(dir) / name).string();
  return "";
}

// MIMIC-CXR: the test split of mimic-cxr-2.0.0-split.csv(.gz) (dicom_id, study_id, subject_id,
// split), one sample per study in table order with every image of it,
// files/p<first 2 digits>/p<subject>/s<study>/<dicom_id>.jpg; the gold from the study's
// report files/p../p<subject>/s<study>.txt. A study whose report has neither a findings nor an
// impression section is left out (there is no gold to score against).
std::vector<EvalSample> LoadMimicPublished(const std::string& dir, const std::string& split_path) {
  const CsvTable table(split_path);
  struct Study {
    std::string folder;
    std::vector<std::string> images;
  };
  std::vector<std::string> order;
  std::map<std::string, Study> studies;
  for (size_t row = 0; row < table.rows(); ++row) {
    if (table.at(row, "split") != "test") continue;
    const std::string subject = table.at(row, "subject_id"), study = table.at(row, "study_id");
    HM_CHECK(subject.size() >= 2, table.where(row), ": subject_id \"", subject, "\" is too short");
    const std::string folder = dir + "/files/p" + subject.substr(0, 2) + "/p" + subject + "/s" + study;
    auto [it, added] = studies.try_emplace(study, Study{folder, {}});
    if (added) order.push_back(study);
    it->second.images.push_back(folder + "/" + table.at(row, "dicom_id") + ".jpg");
  }
  std::vector<EvalSample> out;
  for (const std::string& study : order) {
    const Study& s = studies[study];
    const auto sections = ReportSections(
        ReadText(s.folder + ".txt", "the report (from mimic-cxr-reports.zip, unpacked into this folder)"));
    auto section = [&](const char* name) { return sections.count(name) ? sections.at(name) : std::string(); };
    const std::string gold = FindingsThenImpression(section("FINDINGS"), section("IMPRESSION"));
    if (gold.empty()) continue;
    EvalSample sample = ReportSample(s.images, gold);
    sample.index = static_cast<int64_t>(out.size());
    sample.id = "s" + study;
    out.push_back(std::move(sample));
  }
  return out;
}

// CheXpert Plus's image for a path_to_image of its table: as written, or the PNG release's
// file (same path with .png, possibly under PNG/).
std::string ChexpertImage(const std::string& dir, const std::string& path) {
  const fs::path png = fs::path(path).replace_extension(".png");
  for (const fs::path& candidate : {fs::path(path), png, fs::path("PNG") / png})
    if (fs::exists(fs::path(dir) / candidate)) return (fs::path(dir) / candidate).string();
  return (fs::path(dir) / path).string();  // the runner reports it missing, naming it
}

// CheXpert Plus: the rows of df_chexpert_plus_240401.csv whose split is "valid", one sample per
// study (the folder of path_to_image) in table order, showing its first image as MedUniEval's
// loader does; the gold from section_findings and section_impression. A study with neither is
// left out.
std::vector<EvalSample> LoadChexpertPublished(const std::string& dir, const std::string& table_path) {
  const CsvTable table(table_path);
  std::vector<std::string> seen;
  std::vector<EvalSample> out;
  for (size_t row = 0; row < table.rows(); ++row) {
    if (table.at(row, "split") != "valid") continue;
    const std::string image = table.at(row, "path_to_image");
    const std::string study = fs::path(image).parent_path().string();
    if (std::find(seen.begin(), seen.end(), study) != seen.end()) continue;
    seen.push_back(study);
    const std::string& findings = table.at(row, "section_findings");
    const std::string gold = FindingsThenImpression(findings, table.at(row, "section_impression"));
    if (gold.empty()) continue;
    EvalSample sample = ReportSample({ChexpertImage(dir, image)}, gold);
    sample.index = static_cast<int64_t>(out.size());
    sample.id = study;
    out.push_back(std::move(sample));
  }
  return out;
}

}  // namespace

std::vector<EvalSample> LoadMimicCxr(const std::string& dir, bool) {
  const std::string split = FirstPresent(dir, {"mimic-cxr-2.0.0-split.csv.gz", "mimic-cxr-2.0.0-split.csv"});
  return split.empty() ? LoadReportList(dir, "mimic_test.json", false) : LoadMimicPublished(dir, split);
}

std::vector<EvalSample> LoadChexpertPlus(const std::string& dir, bool) {
  const std::string table = dir + "/df_chexpert_plus_240401.csv";
  return fs::exists(table) ? LoadChexpertPublished(dir, table) : LoadReportList(dir, "chexpert_val.json", true);
}

}  // namespace hm::eval
