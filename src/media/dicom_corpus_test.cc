// Every file of pydicom's own test data (as Debian's python3-pydicom installs it) either
// decodes to the values pydicom gives or is refused for a documented reason; goldens from
// tools/reference/dicom_corpus.py (testdata/dicom/corpus_goldens.json).
#include <gtest/gtest.h>

#include <cmath>
#include <cstdio>
#include <filesystem>
#include <map>
#include <nlohmann/json.hpp>
#include <string>
#include <vector>

#include "core/error.h"
#include "io/json_file.h"
#include "media/dicom.h"
#include "media/dicom_file.h"

namespace hm {
namespace {

namespace fs = std::filesystem;

const fs::path kPydicomData = "/usr/lib/python3/dist-packages/pydicom/data";
const fs::path kGoldens = fs::path(HULUMED_SOURCE_DIR) / "testdata/dicom/corpus_goldens.json";

// The refusals DEVELOPERS.md ("DICOM corpus") documents: a refused file's message must
// contain one of these. Only files pydicom refuses too may be refused.
constexpr const char* kDocumentedRefusals[] = {
    "not a readable DICOM file",   // not DICOM, no File Meta header, truncated header
    "has no pixel data",           // DICOMDIR, SR, RT plan/struct, waveform, palette, bare dataset
    "missing or invalid",          // pixel data without Rows/Columns/BitsAllocated
    "pixel data is shorter",       // pixel data cut short
    "corrupt compressed pixel data",  // a codec rejects the stream (e.g. impossible J2K sizes)
};

// pydicom's pixel_array as the goldens hold it: [frames, rows, columns, samples] values after
// the modality rescale (grayscale), colour in RGB.
std::vector<double> DecodeAll(DicomFile& file) {
  const DicomImageInfo& in = file.info();
  std::vector<double> all;
  for (int f = 0; f < in.frames; ++f) {
    std::vector<double> frame = file.DecodeFrame(f);
    if (in.monochrome()) {
      for (double& v : frame) v = v * in.slope + in.intercept;
    }
    all.insert(all.end(), frame.begin(), frame.end());
  }
  return all;
}

// The golden's hash (see tools/reference/dicom_corpus.py): sum of q[i] * (2i + 1) * K mod 2^64,
// q = round-half-even(value * 256).
std::string ValueHash(const std::vector<double>& values) {
  constexpr uint64_t kK = 0x9E3779B97F4A7C15ull;
  uint64_t h = 0;
  for (size_t i = 0; i < values.size(); ++i) {
    const auto q = static_cast<uint64_t>(static_cast<int64_t>(std::nearbyint(values[i] * 256)));
    h += q * ((2 * uint64_t{i} + 1) * kK);
  }
  char hex[17];
  std::snprintf(hex, sizeof(hex), "%016llx", static_cast<unsigned long long>(h));
  return hex;
}

const char* DocumentedReason(const std::string& message) {
  for (const char* reason : kDocumentedRefusals) {
    if (message.find(reason) != std::string::npos) return reason;
  }
  return nullptr;
}

// Outcome of one file, for the summary line.
enum class Outcome { kExact, kWithinTolerance, kRefused };

// Decodes `rel` and compares it with pydicom's summary `g`; returns how it went.
Outcome CheckDecoded(const std::string& rel, const nlohmann::json& g) {
  const std::string path = (kPydicomData / rel).string();
  DicomFile file(path);
  const std::vector<double> values = DecodeAll(file);
  const DicomImageInfo& in = file.info();
  const std::vector<int64_t> shape = g["shape"];
  EXPECT_EQ(shape, (std::vector<int64_t>{in.frames, in.rows, in.columns, in.samples_per_pixel}));
  if (values.size() != static_cast<size_t>(shape[0] * shape[1] * shape[2] * shape[3])) {
    ADD_FAILURE() << "decoded " << values.size() << " values";
    return Outcome::kRefused;
  }
  const std::string hash = ValueHash(values);
  if (hash == g["hash"].get<std::string>()) return Outcome::kExact;
  // Only lossy codecs may round apart (decoder builds differ in their inverse transforms).
  EXPECT_TRUE(g["lossy"].get<bool>()) << "lossless data differs from pydicom (hash " << hash
                                      << " vs " << g["hash"] << ")";
  constexpr double kTolerance = 3;
  double sum = 0, lo = INFINITY, hi = -INFINITY;
  for (double v : values) {
    sum += v;
    lo = std::min(lo, v);
    hi = std::max(hi, v);
  }
  EXPECT_NEAR(sum / values.size(), g["mean"].get<double>(), 0.5);
  EXPECT_NEAR(lo, g["min"].get<double>(), kTolerance);
  EXPECT_NEAR(hi, g["max"].get<double>(), kTolerance);
  for (const auto& p : g["probes"]) {
    const int64_t f = p[0], y = p[1], x = p[2], c = p[3];
    const size_t i = static_cast<size_t>(((f * shape[1] + y) * shape[2] + x) * shape[3] + c);
    EXPECT_NEAR(values[i], p[4].get<double>(), kTolerance) << "frame " << f << " y " << y
                                                           << " x " << x << " c " << c;
  }
  return Outcome::kWithinTolerance;
}

TEST(DicomCorpus, DecodesLikePydicomOrRefusesForADocumentedReason) {
  if (!fs::is_directory(kPydicomData / "test_files")) {
    GTEST_SKIP() << "skipped: pydicom's test data is not installed (apt-get install python3-pydicom, "
                    "see scripts/apt-packages.txt)";
  }
  const nlohmann::json goldens = ReadJsonFile(kGoldens.string());
  std::map<Outcome, int> counts;
  std::map<std::string, int> by_syntax, by_reason;
  for (const auto& [rel, g] : goldens.items()) {
    SCOPED_TRACE(rel);
    const std::string path = (kPydicomData / rel).string();
    ASSERT_TRUE(fs::is_regular_file(path)) << "golden for a file that is not installed";
    // The user-facing loader must load or refuse cleanly; then compare the decoded values.
    std::string refusal;
    try {
      DicomOptions options;
      options.num_slices = 0;
      EXPECT_FALSE(LoadDicom(path, options).images.empty());
      if (!g.contains("hash")) {
        ADD_FAILURE() << "decoded, but pydicom refuses it: " << g["pydicom_error"];
        continue;
      }
      const Outcome outcome = CheckDecoded(rel, g);
      ++counts[outcome];
      if (g.contains("transfer_syntax")) ++by_syntax[g["transfer_syntax"].get<std::string>()];
    } catch (const Error& e) {
      refusal = e.what();
    }
    if (refusal.empty()) continue;
    ++counts[Outcome::kRefused];
    const char* reason = DocumentedReason(refusal);
    EXPECT_TRUE(reason != nullptr) << "refused for an undocumented reason: " << refusal;
    EXPECT_NE(refusal.find(fs::path(rel).filename().string()), std::string::npos)
        << "the message should name the file: " << refusal;
    EXPECT_FALSE(g.contains("hash")) << "pydicom decodes it, we refuse: " << refusal;
    if (reason) ++by_reason[reason];
  }
  // Every installed file of the corpus has a golden.
  int installed = 0;
  for (const auto& e : fs::recursive_directory_iterator(kPydicomData)) {
    const std::string rel = fs::relative(e.path(), kPydicomData).string();
    const bool in_corpus = rel.rfind("test_files/", 0) == 0 || e.path().extension() == ".dcm";
    if (!e.is_regular_file() || !in_corpus) continue;
    ++installed;
    EXPECT_TRUE(goldens.contains(rel)) << rel << " has no golden: rerun tools/reference/dicom_corpus.py";
  }
  std::printf("pydicom corpus: %d files, %d decoded exactly as pydicom, %d within the lossy "
              "tolerance, %d refused with a documented reason\n",
              installed, counts[Outcome::kExact], counts[Outcome::kWithinTolerance],
              counts[Outcome::kRefused]);
  for (const auto& [reason, n] : by_reason) std::printf("  refused %3d: %s\n", n, reason.c_str());
  // Every transfer syntax of the corpus is decoded somewhere: explicit/implicit/big-endian,
  // deflate, RLE, JPEG baseline/extended/lossless, JPEG-LS, JPEG 2000 (lossless and lossy).
  for (const char* ts : {"1.2.840.10008.1.2", "1.2.840.10008.1.2.1", "1.2.840.10008.1.2.2",
                         "1.2.840.10008.1.2.1.99", "1.2.840.10008.1.2.5", "1.2.840.10008.1.2.4.50",
                         "1.2.840.10008.1.2.4.51", "1.2.840.10008.1.2.4.70",
                         "1.2.840.10008.1.2.4.80", "1.2.840.10008.1.2.4.90",
                         "1.2.840.10008.1.2.4.91"}) {
    EXPECT_GT(by_syntax[ts], 0) << "nothing decoded with transfer syntax " << ts;
  }
}

}  // namespace
}  // namespace hm
