#include "media/multipart_related.h"

#include <gtest/gtest.h>

#include "core/error.h"

namespace hm {
namespace {

TEST(MultipartRelated, BoundaryFromContentType) {
  EXPECT_EQ(MultipartBoundary("multipart/related; type=\"application/dicom\"; boundary=abc-1"), "abc-1");
  EXPECT_EQ(MultipartBoundary("Multipart/Related; boundary=\"q;x\"; type=\"application/dicom\""), "q;x");
  EXPECT_THROW(MultipartBoundary("application/dicom"), Error);
  EXPECT_THROW(MultipartBoundary("multipart/related; type=\"application/dicom\""), Error);
}

TEST(MultipartRelated, SplitsPartsKeepingBinaryBodies) {
  const std::string first("DICM\0\r\n--b\x01", 11);  // a body that holds CRLF and a near-delimiter
  const std::string body = "preamble\r\n--b\r\nContent-Type: application/dicom\r\nContent-Length: 11\r\n\r\n" + first +
                           "\r\n--b\r\ncontent-type:  application/dicom \r\n\r\nsecond\r\n--b--\r\n";
  const std::vector<MultipartPart> parts = ParseMultipartRelated(body, "b");
  ASSERT_EQ(parts.size(), 2u);
  EXPECT_EQ(parts[0].body, first);
  EXPECT_EQ(parts[0].content_type, "application/dicom");
  EXPECT_EQ(parts[1].body, "second");
  EXPECT_EQ(parts[1].content_type, "application/dicom");
}

TEST(MultipartRelated, EmptyAndCutOffBodies) {
  EXPECT_TRUE(ParseMultipartRelated("--b--\r\n", "b").empty());
  EXPECT_THROW(ParseMultipartRelated("no delimiter here", "b"), Error);
  EXPECT_THROW(ParseMultipartRelated("--b\r\nContent-Type: x\r\n\r\nbody without end", "b"), Error);
  EXPECT_THROW(ParseMultipartRelated("--b\r\nContent-Type: x", "b"), Error);
}

}  // namespace
}  // namespace hm
