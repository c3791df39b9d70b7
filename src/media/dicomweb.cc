#include "media/dicomweb.h"

#include <httplib.h>
#include <stdlib.h>

#include <algorithm>
#include <cstdio>
#include <cstdlib>
#include <filesystem>
#include <fstream>
#include <nlohmann/json.hpp>
#include <regex>

#include "media/multipart_related.h"

namespace hm {
namespace {

namespace fs = std::filesystem;
using Reason = DicomWebError::Reason;

[[noreturn]] void Throw(Reason reason, const std::string& message) { throw DicomWebError(reason, message); }

bool IsUid(std::string_view s) {
  return !s.empty() && s.size() <= 64 &&
         std::all_of(s.begin(), s.end(), [](char c) { return (c >= '0' && c <= '9') || c == '.'; });
}

std::string Env(const char* name) {
  const char* v = std::getenv(name);
  return v ? v : "";
}

// A DICOM JSON attribute's first value as text (PN values give their Alphabetic form).
std::string FirstValue(const nlohmann::json& dataset, const char* tag) {
  const auto attr = dataset.find(tag);
  if (attr == dataset.end() || !attr->is_object()) return "";
  const auto values = attr->find("Value");
  if (values == attr->end() || !values->is_array() || values->empty()) return "";
  const nlohmann::json& v = (*values)[0];
  if (v.is_string()) return v.get<std::string>();
  if (v.is_number_integer()) return std::to_string(v.get<int64_t>());
  if (v.is_number()) return std::to_string(v.get<double>());
  if (v.is_object() && v.contains("Alphabetic") && v["Alphabetic"].is_string()) return v["Alphabetic"].get<std::string>();
  return "";
}

std::string AllValues(const nlohmann::json& dataset, const char* tag) {
  std::string out;
  const auto attr = dataset.find(tag);
  if (attr == dataset.end() || !attr->is_object() || !attr->contains("Value") || !(*attr)["Value"].is_array()) return out;
  for (const nlohmann::json& v : (*attr)["Value"])
    if (v.is_string()) out += (out.empty() ? "" : "\\") + v.get<std::string>();
  return out;
}

int IntValue(const nlohmann::json& dataset, const char* tag) {
  const std::string s = FirstValue(dataset, tag);
  try {
    return s.empty() ? 0 : std::stoi(s);
  } catch (const std::exception&) {
    return 0;
  }
}

// A private folder (mode 0700) for one series' instances, removed with everything in it.
class ScratchFolder {
 public:
  ScratchFolder() {
    std::string pattern = (fs::temp_directory_path() / "hulumed-dicomweb-XXXXXX").string();
    if (!mkdtemp(pattern.data())) Fail("cannot create a scratch folder under ", fs::temp_directory_path());
    path_ = pattern;
  }
  ~ScratchFolder() {
    std::error_code ignored;
    fs::remove_all(path_, ignored);
  }
  const fs::path& path() const { return path_; }

 private:
  fs::path path_;
};

}  // namespace

DicomWebError::DicomWebError(Reason reason, const std::string& message)
    : Error(message), reason_(reason) {}

int DicomWebError::http_status() const {
  switch (reason_) {
    case Reason::kBadReference: return 400;
    case Reason::kNotFound: return 404;
    case Reason::kTooLarge: return 413;
    case Reason::kPacs: return 502;
  }
  return 502;
}

DicomWebConfig DicomWebConfig::FromEnvironment(std::string base_url) {
  DicomWebConfig c;
  c.base_url = std::move(base_url);
  c.token = Env("HULUMED_DICOMWEB_TOKEN");
  c.user = Env("HULUMED_DICOMWEB_USER");
  c.password = Env("HULUMED_DICOMWEB_PASSWORD");
  return c;
}

std::optional<DicomWebRef> ParseDicomWebRef(std::string_view url) {
  constexpr std::string_view kScheme = "dicomweb:";
  if (!url.starts_with(kScheme)) return std::nullopt;
  std::string_view rest = url.substr(kScheme.size());
  std::vector<std::string_view> parts;
  for (size_t slash; (slash = rest.find('/')) != std::string_view::npos; rest.remove_prefix(slash + 1))
    parts.push_back(rest.substr(0, slash));
  parts.push_back(rest);
  if (parts.size() == 4 && parts[0] == "studies" && parts[2] == "series") parts = {parts[1], parts[3]};
  if (parts.size() == 2 && parts[0] == "studies") parts = {parts[1]};
  const bool ok = (parts.size() == 1 || parts.size() == 2) &&
                  std::all_of(parts.begin(), parts.end(), [](std::string_view p) { return IsUid(p); });
  if (!ok)
    Throw(Reason::kBadReference, StrCat("'", url, "' is not a DICOMweb reference: expected dicomweb:STUDY_UID or ",
                                        "dicomweb:STUDY_UID/SERIES_UID (UIDs are digits and dots)"));
  return DicomWebRef{std::string(parts[0]), parts.size() == 2 ? std::string(parts[1]) : ""};
}

DicomWebClient::DicomWebClient(DicomWebConfig config) : config_(std::move(config)) {
  static const std::regex kUrl(R"((https?)://([A-Za-z0-9.\-]+|\[[0-9A-Fa-f:]+\])(:[0-9]{1,5})?(/[^?#@]*)?)");
  std::smatch m;
  if (config_.base_url.find('@') != std::string::npos)  // not echoed: it may hold a password
    Throw(Reason::kBadReference, "the DICOMweb URL carries credentials: put them in HULUMED_DICOMWEB_USER and "
                                 "HULUMED_DICOMWEB_PASSWORD (or HULUMED_DICOMWEB_TOKEN) instead");
  if (!std::regex_match(config_.base_url, m, kUrl))
    Throw(Reason::kBadReference, StrCat("the DICOMweb URL '", config_.base_url, "' is not http(s)://host[:port][/path]"));
  endpoint_.origin = m[1].str() + "://" + m[2].str() + m[3].str();
  endpoint_.path = m[4].str();
  while (endpoint_.path.ends_with('/')) endpoint_.path.pop_back();
}

namespace {

httplib::Client Connect(const std::string& origin, const DicomWebConfig& c) {
  httplib::Client client(origin);
  client.set_connection_timeout(c.connect_timeout_s, 0);
  client.set_read_timeout(c.read_timeout_s, 0);
  client.set_follow_location(false);  // a redirect could carry our credentials to another host
  if (!c.token.empty()) {
    client.set_bearer_token_auth(c.token);
  } else if (!c.user.empty()) {
    client.set_basic_auth(c.user, c.password);
  }
  return client;
}

// Maps a finished exchange to our errors; `what` names the request without credentials.
void CheckResponse(const httplib::Result& result, const std::string& what, bool aborted_for_size,
                   const DicomWebConfig& c) {
  if (aborted_for_size)
    Throw(Reason::kTooLarge, StrCat(what, ": the series is larger than the limit of ", c.max_series_bytes >> 20, " MiB"));
  if (!result)
    Throw(Reason::kPacs, StrCat(what, ": the PACS did not answer (", httplib::to_string(result.error()), ")"));
  const int status = result->status;
  if (status == 404 || status == 204)
    Throw(Reason::kNotFound, StrCat(what, ": the PACS has no such study or series (HTTP ", status, ")"));
  if (status == 401 || status == 403)
    Throw(Reason::kPacs, StrCat(what, ": the PACS refused the configured credentials (HTTP ", status, ")"));
  if (status != 200) Throw(Reason::kPacs, StrCat(what, ": the PACS answered HTTP ", status));
}

}  // namespace

std::string DicomWebClient::GetJson(const std::string& path) const {
  httplib::Client client = Connect(endpoint_.origin, config_);
  const std::string what = StrCat("DICOMweb GET ", endpoint_.origin, endpoint_.path, path);
  std::string body;
  bool too_large = false;
  const httplib::Result result = client.Get(
      endpoint_.path + path, {{"Accept", "application/dicom+json"}},
      [&](const char* data, size_t n) {
        body.append(data, n);
        too_large = static_cast<int64_t>(body.size()) > config_.max_series_bytes;
        return !too_large;
      });
  CheckResponse(result, what, too_large, config_);
  return body;
}

namespace {

nlohmann::json ParseQidoArray(const std::string& body, const std::string& what) {
  if (body.empty()) return nlohmann::json::array();  // some PACS answer 200 with no body for no match
  nlohmann::json j = nlohmann::json::parse(body, nullptr, /*allow_exceptions=*/false);
  if (!j.is_array()) Throw(Reason::kPacs, StrCat(what, ": the PACS answered something other than a DICOM JSON array"));
  return j;
}

std::string QueryString(const std::map<std::string, std::string>& match) {
  std::string q;
  for (const auto& [key, value] : match) q += "&" + key + "=" + httplib::detail::encode_query_param(value);
  return q;
}

}  // namespace

std::vector<StudySummary> DicomWebClient::FindStudies(const std::map<std::string, std::string>& match,
                                                      int limit) const {
  for (const auto& [key, value] : match)
    if (key.empty() || !std::all_of(key.begin(), key.end(), [](char c) { return std::isalnum(static_cast<unsigned char>(c)); }))
      Throw(Reason::kBadReference, StrCat("'", key, "' is not a DICOM attribute keyword"));
  const std::string path = StrCat("/studies?limit=", limit, "&includefield=StudyDescription&includefield=ModalitiesInStudy",
                                  "&includefield=NumberOfStudyRelatedSeries&includefield=NumberOfStudyRelatedInstances",
                                  QueryString(match));
  std::vector<StudySummary> studies;
  for (const nlohmann::json& d : ParseQidoArray(GetJson(path), "QIDO-RS studies")) {
    StudySummary s;
    s.uid = FirstValue(d, "0020000D");
    s.date = FirstValue(d, "00080020");
    s.description = FirstValue(d, "00081030");
    s.patient_name = FirstValue(d, "00100010");
    s.patient_id = FirstValue(d, "00100020");
    s.modalities = AllValues(d, "00080061");
    s.series = IntValue(d, "00201206");
    s.instances = IntValue(d, "00201208");
    if (IsUid(s.uid)) studies.push_back(std::move(s));
  }
  std::stable_sort(studies.begin(), studies.end(), [](const StudySummary& a, const StudySummary& b) { return a.date > b.date; });
  return studies;
}

std::vector<SeriesSummary> DicomWebClient::FindSeries(const std::string& study) const {
  if (!IsUid(study)) Throw(Reason::kBadReference, StrCat("'", study, "' is not a study UID"));
  const std::string path = "/studies/" + study + "/series?includefield=SeriesDescription&includefield=NumberOfSeriesRelatedInstances";
  std::vector<SeriesSummary> series;
  for (const nlohmann::json& d : ParseQidoArray(GetJson(path), "QIDO-RS series of study " + study)) {
    SeriesSummary s;
    s.uid = FirstValue(d, "0020000E");
    s.modality = FirstValue(d, "00080060");
    s.description = FirstValue(d, "0008103E");
    s.number = IntValue(d, "00200011");
    s.instances = IntValue(d, "00201209");
    if (IsUid(s.uid)) series.push_back(std::move(s));
  }
  std::stable_sort(series.begin(), series.end(), [](const SeriesSummary& a, const SeriesSummary& b) { return a.number < b.number; });
  return series;
}

Frames DicomWebClient::LoadSeries(const DicomWebRef& ref, const DicomOptions& options) const {
  std::string series = ref.series;
  if (series.empty()) {
    const std::vector<SeriesSummary> all = FindSeries(ref.study);
    if (all.empty()) Throw(Reason::kNotFound, StrCat("study ", ref.study, " has no series on the PACS"));
    if (all.size() > 1) {
      std::string list;
      for (size_t i = 0; i < all.size() && i < 10; ++i)
        list += StrCat(i ? "; " : "", all[i].uid, " (", all[i].modality, all[i].description.empty() ? "" : " ",
                       all[i].description, ", ", all[i].instances, " instances)");
      Throw(Reason::kBadReference, StrCat("study ", ref.study, " has ", all.size(),
                                          " series: name one as dicomweb:STUDY/SERIES: ", list));
    }
    series = all[0].uid;
  }
  if (!IsUid(series)) Throw(Reason::kBadReference, StrCat("'", series, "' is not a series UID"));

  httplib::Client client = Connect(endpoint_.origin, config_);
  const std::string path = endpoint_.path + "/studies/" + ref.study + "/series/" + series;
  const std::string what = StrCat("WADO-RS series ", series);
  std::string body, content_type;
  bool too_large = false;
  const httplib::Result result = client.Get(
      path, {{"Accept", "multipart/related; type=\"application/dicom\"; transfer-syntax=*"}},
      [&](const httplib::Response& response) {
        content_type = response.get_header_value("Content-Type");
        return true;
      },
      [&](const char* data, size_t n) {
        body.append(data, n);
        too_large = static_cast<int64_t>(body.size()) > config_.max_series_bytes;
        return !too_large;
      });
  CheckResponse(result, what, too_large, config_);

  std::vector<MultipartPart> parts;
  try {
    parts = ParseMultipartRelated(body, MultipartBoundary(content_type));
  } catch (const Error& e) {
    Throw(Reason::kPacs, StrCat(what, ": ", e.what()));
  }
  if (parts.empty()) Throw(Reason::kNotFound, StrCat(what, ": the PACS returned no instances"));
  if (static_cast<int>(parts.size()) > config_.max_instances)
    Throw(Reason::kTooLarge, StrCat(what, ": ", parts.size(), " instances, over the limit of ", config_.max_instances));

  // The instances become a folder of files so that ordering, checks and decoding are the
  // local series path itself; the folder is private and removed when loading ends.
  ScratchFolder scratch;
  for (size_t i = 0; i < parts.size(); ++i) {
    char name[32];
    std::snprintf(name, sizeof(name), "%06zu.dcm", i);
    std::ofstream out(scratch.path() / name, std::ios::binary);
    out.write(parts[i].body.data(), static_cast<std::streamsize>(parts[i].body.size()));
    if (!out) Fail("cannot write a fetched instance to ", scratch.path());
  }
  try {
    return LoadDicom(scratch.path().string(), options);
  } catch (const Error& e) {
    // Name the series, not the scratch folder the user never saw.
    std::string message = e.what();
    for (size_t at; (at = message.find(scratch.path().string())) != std::string::npos;)
      message.replace(at, scratch.path().string().size(), "dicomweb:" + ref.study + "/" + series);
    throw Error(message);
  }
}

}  // namespace hm
