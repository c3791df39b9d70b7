// DICOMweb against a real Orthanc: the series it serves loads exactly as the same files on
// disk, and every failure is a clear error with the right HTTP status and no credentials.
#include "media/dicomweb.h"

#include <gtest/gtest.h>

#include <filesystem>

#include "media/orthanc_testing.h"

namespace hm {
namespace {

namespace fs = std::filesystem;
const fs::path kSeries = fs::path(HULUMED_SOURCE_DIR) / "testdata" / "dicom" / "series";
constexpr const char* kStudy = "1.3.6.1.4.1.5962.1.2.1.20040119072730.12322";
constexpr const char* kSeriesUid = "1.3.6.1.4.1.5962.1.3.1.1.20040119072730.12322";

class DicomWebTest : public ::testing::Test {
 protected:
  static void SetUpTestSuite() {
    pacs_ = new testing::Orthanc();
    if (pacs_->why_not().empty() && !pacs_->Upload(kSeries)) FAIL() << "Orthanc refused the test series";
  }
  static void TearDownTestSuite() { delete pacs_; }
  void SetUp() override {
    if (!pacs_->why_not().empty()) GTEST_SKIP() << "skipped: " << pacs_->why_not();
  }
  static DicomWebConfig Config() {
    DicomWebConfig c;
    c.base_url = pacs_->dicomweb_url();
    c.user = testing::Orthanc::kUser;
    c.password = testing::Orthanc::kPassword;
    return c;
  }
  static DicomWebError::Reason ReasonOf(const std::function<void()>& f, std::string* message = nullptr) {
    try {
      f();
    } catch (const DicomWebError& e) {
      if (message) *message = e.what();
      return e.reason();
    }
    ADD_FAILURE() << "no DicomWebError";
    return DicomWebError::Reason::kPacs;
  }
  static testing::Orthanc* pacs_;
};
testing::Orthanc* DicomWebTest::pacs_ = nullptr;

TEST_F(DicomWebTest, FindsTheStudyAndItsSeries) {
  const DicomWebClient client(Config());
  const std::vector<StudySummary> studies = client.FindStudies();
  ASSERT_EQ(studies.size(), 1u);
  EXPECT_EQ(studies[0].uid, kStudy);
  EXPECT_EQ(studies[0].patient_name, "CompressedSamples^CT1");
  EXPECT_EQ(studies[0].modalities, "CT");
  EXPECT_EQ(studies[0].instances, 5);
  EXPECT_EQ(client.FindStudies({{"PatientName", "Nobody*"}}).size(), 0u);
  const std::vector<SeriesSummary> series = client.FindSeries(kStudy);
  ASSERT_EQ(series.size(), 1u);
  EXPECT_EQ(series[0].uid, kSeriesUid);
  EXPECT_EQ(series[0].modality, "CT");
  EXPECT_EQ(series[0].instances, 5);
}

TEST_F(DicomWebTest, SeriesFromThePacsEqualsTheFilesOnDisk) {
  DicomOptions options;
  options.num_slices = 4;
  const Frames local = LoadDicom(kSeries.string(), options);
  const DicomWebClient client(Config());
  for (const std::string& ref : {std::string("dicomweb:") + kStudy, std::string("dicomweb:") + kStudy + "/" + kSeriesUid}) {
    const Frames remote = client.LoadSeries(*ParseDicomWebRef(ref), options);
    ASSERT_EQ(remote.images.size(), local.images.size()) << ref;
    EXPECT_EQ(remote.merge_size, local.merge_size);
    for (size_t i = 0; i < local.images.size(); ++i) {
      EXPECT_EQ(remote.images[i].width, local.images[i].width);
      EXPECT_EQ(remote.images[i].rgb, local.images[i].rgb) << ref << " slice " << i;
    }
  }
}

TEST_F(DicomWebTest, ErrorsSayWhatWentWrongWithoutCredentials) {
  using R = DicomWebError::Reason;
  std::string message;
  DicomWebConfig wrong = Config();
  wrong.password = "not-the-password";
  EXPECT_EQ(ReasonOf([&] { DicomWebClient(wrong).FindStudies(); }, &message), R::kPacs);
  EXPECT_NE(message.find("credentials"), std::string::npos) << message;
  EXPECT_EQ(message.find("not-the-password"), std::string::npos) << message;

  const DicomWebClient client(Config());
  EXPECT_EQ(ReasonOf([&] { client.LoadSeries({"1.2.3.4", ""}); }), R::kNotFound);
  EXPECT_EQ(ReasonOf([&] { client.LoadSeries({kStudy, "1.2.3.4"}); }), R::kNotFound);

  DicomWebConfig small = Config();
  small.max_series_bytes = 10000;  // the 5 instances are ~43 kB
  EXPECT_EQ(ReasonOf([&] { DicomWebClient(small).LoadSeries({kStudy, kSeriesUid}); }), R::kTooLarge);
  small = Config();
  small.max_instances = 4;
  EXPECT_EQ(ReasonOf([&] { DicomWebClient(small).LoadSeries({kStudy, kSeriesUid}); }), R::kTooLarge);

  DicomWebConfig down = Config();
  down.base_url = "http://127.0.0.1:1/dicom-web";
  down.connect_timeout_s = 2;
  EXPECT_EQ(ReasonOf([&] { DicomWebClient(down).FindStudies(); }, &message), R::kPacs);
  EXPECT_EQ(message.find(testing::Orthanc::kPassword), std::string::npos) << message;
}

TEST(DicomWebRef, ParsesReferencesAndRefusesOthers) {
  EXPECT_FALSE(ParseDicomWebRef("file:///etc/passwd"));
  EXPECT_EQ(ParseDicomWebRef("dicomweb:1.2.3")->study, "1.2.3");
  EXPECT_EQ(ParseDicomWebRef("dicomweb:1.2.3")->series, "");
  EXPECT_EQ(ParseDicomWebRef("dicomweb:1.2/3.4")->series, "3.4");
  EXPECT_EQ(ParseDicomWebRef("dicomweb:studies/1.2/series/3.4")->study, "1.2");
  for (const char* bad : {"dicomweb:", "dicomweb:1.2/../3", "dicomweb:1.2/3/4", "dicomweb:abc", "dicomweb:1.2?x=1"}) {
    try {
      ParseDicomWebRef(bad);
      ADD_FAILURE() << bad;
    } catch (const DicomWebError& e) {
      EXPECT_EQ(e.http_status(), 400) << bad;
    }
  }
  DicomWebConfig userinfo;
  userinfo.base_url = "http://user:secret@pacs/dicom-web";
  try {
    DicomWebClient client(userinfo);
    ADD_FAILURE() << "credentials in the URL accepted";
  } catch (const DicomWebError& e) {
    EXPECT_EQ(std::string(e.what()).find("secret"), std::string::npos) << e.what();
  }
}

}  // namespace
}  // namespace hm
