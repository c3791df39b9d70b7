// The server against a real PACS (Debian's Orthanc with DICOMweb, started on loopback): the
// study list the web UI shows, and a question about a series named `dicomweb:` that gets the
// same visual tokens and answer as the same files sent from disk.
#include <httplib.h>
#include <gtest/gtest.h>

#include <thread>

#include "media/orthanc_testing.h"
#include "server/http_server.h"

namespace hm {
namespace {

using nlohmann::json;

const std::string kModel = HULUMED_SOURCE_DIR "/testdata/models/tiny-qwen2";
const std::filesystem::path kSeries = HULUMED_SOURCE_DIR "/testdata/dicom/series";

class PacsServing : public ::testing::Test {
 protected:
  static void SetUpTestSuite() {
    pacs_ = new testing::Orthanc();
    if (pacs_->why_not().empty() && !pacs_->Upload(kSeries)) FAIL() << "Orthanc refused the test series";
  }
  static void TearDownTestSuite() { delete pacs_; }

  void SetUp() override {
    if (!pacs_->why_not().empty()) GTEST_SKIP() << "skipped: " << pacs_->why_not();
  }

  // A server on a free port whose PACS is the test's Orthanc (or none), with local files
  // allowed under testdata/dicom for the comparison.
  void Start(bool with_pacs) {
    ServerOptions options;
    options.port = 0;
    options.log_requests = false;
    options.allow_local_files = HULUMED_SOURCE_DIR "/testdata/dicom";
    if (with_pacs) {
      DicomWebConfig c;
      c.base_url = pacs_->dicomweb_url();
      c.user = testing::Orthanc::kUser;
      c.password = testing::Orthanc::kPassword;
      options.dicomweb = c;
    }
    engine_ = std::make_unique<Engine>(kModel, EngineOptions{}, metrics_);
    server_ = std::make_unique<HttpServer>(*engine_, metrics_, options);
    port_ = server_->Bind();
    thread_ = std::thread([this] { server_->Listen(); });
  }
  void TearDown() override {
    if (!server_) return;
    server_->Stop();
    thread_.join();
  }

  httplib::Result Get(const std::string& path) {
    httplib::Client c("127.0.0.1", port_);
    c.set_read_timeout(60, 0);
    return c.Get(path);
  }
  httplib::Result Ask(const std::string& url) {
    const json body = {{"messages", {{{"role", "user"},
                                      {"content", {{{"type", "volume_url"}, {"volume_url", {{"url", url}, {"slices", 4}}}},
                                                   {{"type", "text"}, {"text", "Describe the scan."}}}}}}},
                       {"max_tokens", 6},
                       {"temperature", 0}};
    httplib::Client c("127.0.0.1", port_);
    c.set_read_timeout(120, 0);
    return c.Post("/v1/chat/completions", body.dump(), "application/json");
  }

  static testing::Orthanc* pacs_;
  Metrics metrics_;
  std::unique_ptr<Engine> engine_;
  std::unique_ptr<HttpServer> server_;
  int port_ = 0;
  std::thread thread_;
};
testing::Orthanc* PacsServing::pacs_ = nullptr;

TEST_F(PacsServing, ListsStudiesAndAnswersAboutASeriesAsAboutTheFiles) {
  Start(true);
  const auto studies = Get("/v1/pacs/studies");
  ASSERT_TRUE(studies);
  ASSERT_EQ(studies->status, 200) << studies->body;
  const json list = json::parse(studies->body)["data"];
  ASSERT_EQ(list.size(), 1u);
  EXPECT_EQ(list[0]["patient_name"], "CompressedSamples^CT1");
  EXPECT_EQ(list[0]["modalities"], "CT");
  EXPECT_EQ(json::parse(Get("/v1/pacs/studies?PatientName=Nobody*")->body)["data"].size(), 0u);

  const auto series = Get("/v1/pacs/studies/" + list[0]["uid"].get<std::string>() + "/series");
  ASSERT_EQ(series->status, 200) << series->body;
  const std::string url = json::parse(series->body)["data"][0]["url"];
  EXPECT_EQ(url.rfind("dicomweb:", 0), 0u) << url;

  const auto remote = Ask(url);
  ASSERT_EQ(remote->status, 200) << remote->body;
  const auto local = Ask("series");
  ASSERT_EQ(local->status, 200) << local->body;
  const json a = json::parse(remote->body), b = json::parse(local->body);
  EXPECT_GT(a["usage"]["prompt_tokens"].get<int>(), 20);
  EXPECT_EQ(a["usage"]["prompt_tokens"], b["usage"]["prompt_tokens"]);
  EXPECT_EQ(a["choices"][0]["message"]["content"], b["choices"][0]["message"]["content"]);
}

TEST_F(PacsServing, PacsErrorsAreTheClientsOrThePacsesWithoutCredentials) {
  Start(true);
  const auto bad = Ask("dicomweb:not-a-uid");
  EXPECT_EQ(bad->status, 400) << bad->body;
  const auto missing = Ask("dicomweb:1.2.3.4/5.6.7.8");
  EXPECT_EQ(missing->status, 404) << missing->body;
  for (const auto* r : {&bad, &missing}) EXPECT_EQ((*r)->body.find(testing::Orthanc::kPassword), std::string::npos);
}

TEST_F(PacsServing, WithoutAPacsTheRoutesAndUrlsSaySo) {
  Start(false);
  const auto studies = Get("/v1/pacs/studies");
  EXPECT_EQ(studies->status, 404);
  EXPECT_NE(studies->body.find("--dicomweb"), std::string::npos) << studies->body;
  const auto ask = Ask("dicomweb:1.2.3.4");
  EXPECT_EQ(ask->status, 400) << ask->body;
  EXPECT_NE(ask->body.find("no PACS is configured"), std::string::npos) << ask->body;
}

}  // namespace
}  // namespace hm
