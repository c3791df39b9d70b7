// The parts of a multipart/related body (RFC 2387), as WADO-RS returns a series: one part per
// DICOM instance, each with its own headers.
#pragma once

#include <string>
#include <string_view>
#include <vector>

namespace hm {

struct MultipartPart {
  std::string content_type;  // the part's Content-Type, empty if it has none
  std::string_view body;     // points into the body handed to ParseMultipartRelated
};

// The boundary parameter of a Content-Type header value such as
// `multipart/related; type="application/dicom"; boundary=abc` (quotes removed). Throws
// hm::Error when the type is not multipart or has no boundary.
std::string MultipartBoundary(std::string_view content_type);

// Splits `body` at `--boundary` delimiter lines up to the closing `--boundary--`. Throws
// hm::Error when the body does not start with a delimiter or is cut off before the close.
std::vector<MultipartPart> ParseMultipartRelated(std::string_view body, std::string_view boundary);

}  // namespace hm
