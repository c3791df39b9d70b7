#include "media/multipart_related.h"

#include <algorithm>
#include <cctype>

#include "core/error.h"

namespace hm {
namespace {

std::string Lower(std::string_view s) {
  std::string out(s);
  std::transform(out.begin(), out.end(), out.begin(), [](unsigned char c) { return std::tolower(c); });
  return out;
}

std::string_view Trim(std::string_view s) {
  while (!s.empty() && (s.front() == ' ' || s.front() == '\t')) s.remove_prefix(1);
  while (!s.empty() && (s.back() == ' ' || s.back() == '\t' || s.back() == '\r')) s.remove_suffix(1);
  return s;
}

// The next delimiter line at or after `from`: CRLF, "--boundary", then optional spaces and
// CRLF, or "--" for the closing one. The boundary text alone inside binary data is not one.
size_t FindDelimiter(std::string_view body, const std::string& crlf_delimiter, size_t from) {
  for (size_t at = body.find(crlf_delimiter, from); at != std::string_view::npos;
       at = body.find(crlf_delimiter, at + 1)) {
    size_t after = at + crlf_delimiter.size();
    if (body.substr(after, 2) == "--") return at;
    while (after < body.size() && (body[after] == ' ' || body[after] == '\t')) ++after;
    if (body.substr(after, 2) == "\r\n") return at;
  }
  return std::string_view::npos;
}

}  // namespace

std::string MultipartBoundary(std::string_view content_type) {
  HM_CHECK(Lower(content_type).starts_with("multipart/"), "expected a multipart response, got Content-Type '",
           content_type, "'");
  // Parameters are `; name=value` with optional quotes; a quoted value may hold ';'.
  size_t i = content_type.find(';');
  while (i != std::string_view::npos) {
    std::string_view rest = Trim(content_type.substr(i + 1));
    const size_t eq = rest.find('=');
    if (eq == std::string_view::npos) break;
    const std::string name = Lower(Trim(rest.substr(0, eq)));
    rest = Trim(rest.substr(eq + 1));
    std::string_view value;
    size_t next;
    if (!rest.empty() && rest.front() == '"') {
      const size_t close = rest.find('"', 1);
      HM_CHECK(close != std::string_view::npos, "unterminated quote in Content-Type '", content_type, "'");
      value = rest.substr(1, close - 1);
      next = rest.find(';', close);
    } else {
      next = rest.find(';');
      value = Trim(rest.substr(0, next));
    }
    if (name == "boundary") {
      HM_CHECK(!value.empty(), "empty multipart boundary in Content-Type '", content_type, "'");
      return std::string(value);
    }
    if (next == std::string_view::npos) break;
    i = static_cast<size_t>(rest.data() + next - content_type.data());
  }
  Fail("multipart Content-Type '", content_type, "' has no boundary");
}

std::vector<MultipartPart> ParseMultipartRelated(std::string_view body, std::string_view boundary) {
  const std::string delimiter = "--" + std::string(boundary);
  // The first delimiter may follow a preamble; each later one follows a CRLF that belongs to it.
  size_t at = body.find(delimiter);
  HM_CHECK(at != std::string_view::npos, "multipart body holds no '", delimiter, "' delimiter");
  std::vector<MultipartPart> parts;
  for (;;) {
    at += delimiter.size();
    if (body.substr(at, 2) == "--") return parts;  // the closing delimiter
    const size_t headers_begin = body.find("\r\n", at);
    HM_CHECK(headers_begin != std::string_view::npos, "multipart body ends inside a delimiter line");
    const size_t headers_end = body.find("\r\n\r\n", headers_begin);
    HM_CHECK(headers_end != std::string_view::npos, "multipart part ", parts.size() + 1, " has no end of headers");
    MultipartPart part;
    for (size_t line = headers_begin + 2; line < headers_end;) {
      const size_t eol = std::min(body.find("\r\n", line), headers_end);
      const std::string_view header = body.substr(line, eol - line);
      const size_t colon = header.find(':');
      if (colon != std::string_view::npos && Lower(Trim(header.substr(0, colon))) == "content-type")
        part.content_type = std::string(Trim(header.substr(colon + 1)));
      line = eol + 2;
    }
    const size_t content = headers_end + 4;
    const size_t next = FindDelimiter(body, "\r\n" + delimiter, content);
    HM_CHECK(next != std::string_view::npos, "multipart body is cut off in part ", parts.size() + 1,
             " (no closing delimiter)");
    part.body = body.substr(content, next - content);
    parts.push_back(part);
    at = next + 2;
  }
}

}  // namespace hm
