// Studies from a PACS over DICOMweb (not in the reference: our own design). QIDO-RS finds
// studies and series, WADO-RS fetches a series' instances, and those then take exactly the
// local DICOM path (dicom.h), so a series from the PACS gives the frames the same files on
// disk give.
//
// Requests name a series as `dicomweb:STUDY_UID/SERIES_UID` (or `dicomweb:STUDY_UID` for a
// study with one series) on the PACS the operator configured; a request can never point the
// server at another host. Credentials come from the environment only and never appear in a
// message, a log line or a response.
#pragma once

#include <cstdint>
#include <map>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "core/error.h"
#include "media/dicom.h"
#include "media/frames.h"

namespace hm {

struct DicomWebConfig {
  std::string base_url;  // the DICOMweb root, e.g. http://pacs.local:8042/dicom-web
  // HULUMED_DICOMWEB_TOKEN (bearer), else HULUMED_DICOMWEB_USER and HULUMED_DICOMWEB_PASSWORD (basic).
  std::string token, user, password;
  int connect_timeout_s = 10;
  int read_timeout_s = 120;              // per read, so a stalled PACS cannot hold a request forever
  int64_t max_series_bytes = int64_t{2} << 30;
  int max_instances = 4000;

  // base_url plus credentials read from the environment variables above.
  static DicomWebConfig FromEnvironment(std::string base_url);
};

// What went wrong, for front ends that answer over HTTP.
class DicomWebError : public Error {
 public:
  enum class Reason {
    kBadReference,  // 400: the reference is malformed or ambiguous (a study of several series)
    kNotFound,      // 404: the PACS has no such study or series
    kTooLarge,      // 413: over max_series_bytes or max_instances
    kPacs,          // 502: the PACS is unreachable, refused our credentials, or answered nonsense
  };
  DicomWebError(Reason reason, const std::string& message);
  Reason reason() const { return reason_; }
  int http_status() const;

 private:
  Reason reason_;
};

struct DicomWebRef {
  std::string study;
  std::string series;  // empty: the study's only series
};

// `dicomweb:STUDY`, `dicomweb:STUDY/SERIES` or `dicomweb:studies/STUDY/series/SERIES`; nullopt
// for anything not starting with `dicomweb:`. A malformed reference (not a DICOM UID: digits
// and dots, at most 64 characters) is a kBadReference error.
std::optional<DicomWebRef> ParseDicomWebRef(std::string_view url);

struct StudySummary {
  std::string uid, patient_name, patient_id, date, description, modalities;  // modalities "CT\MR"
  int series = 0, instances = 0;
};

struct SeriesSummary {
  std::string uid, modality, description;
  int number = 0, instances = 0;
};

class DicomWebClient {
 public:
  // Throws DicomWebError(kBadReference) for a base URL that is not http(s)://host[:port][/path]
  // or that carries credentials in it.
  explicit DicomWebClient(DicomWebConfig config);

  // QIDO-RS /studies with the given matching keys (e.g. {"PatientName", "DOE*"}), newest first.
  std::vector<StudySummary> FindStudies(const std::map<std::string, std::string>& match = {}, int limit = 100) const;
  // QIDO-RS /studies/{study}/series.
  std::vector<SeriesSummary> FindSeries(const std::string& study) const;
  // WADO-RS /studies/{study}/series/{series}: every instance, then LoadDicom on them.
  Frames LoadSeries(const DicomWebRef& ref, const DicomOptions& options = {}) const;

  const std::string& base_url() const { return config_.base_url; }

 private:
  struct Endpoint {
    std::string origin;  // scheme://host:port
    std::string path;    // the root's path, no trailing slash
  };
  std::string GetJson(const std::string& path) const;

  DicomWebConfig config_;
  Endpoint endpoint_;
};

}  // namespace hm
