#include "server/completion_request.h"

#include <gtest/gtest.h>

#include <fstream>
#include <iterator>

#include "server/api_error.h"

namespace hm {
namespace {

const std::string kMedia = HULUMED_SOURCE_DIR "/testdata/media";

std::string DataUri(const std::string& path, const std::string& mime) {
  std::ifstream in(path, std::ios::binary);
  const std::string bytes{std::istreambuf_iterator<char>(in), {}};
  static const char* kAlphabet = "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789+/";
  std::string out = "data:" + mime + ";base64,";
  size_t i = 0;
  for (; i + 2 < bytes.size(); i += 3) {
    const uint32_t v = (uint8_t(bytes[i]) << 16) | (uint8_t(bytes[i + 1]) << 8) | uint8_t(bytes[i + 2]);
    for (int s = 18; s >= 0; s -= 6) out += kAlphabet[(v >> s) & 63];
  }
  if (i < bytes.size()) {
    uint32_t v = uint8_t(bytes[i]) << 16;
    if (i + 1 < bytes.size()) v |= uint8_t(bytes[i + 1]) << 8;
    out += kAlphabet[(v >> 18) & 63];
    out += kAlphabet[(v >> 12) & 63];
    out += i + 1 < bytes.size() ? kAlphabet[(v >> 6) & 63] : '=';
    out += '=';
  }
  return out;
}

int Status(const std::string& body, const MediaResolver& media = MediaResolver({}, std::nullopt)) {
  try {
    ParseCompletionRequest(body, media);
    return 200;
  } catch (const ApiError& e) {
    return e.status();
  } catch (const Error&) {
    return 400;
  }
}

TEST(CompletionRequest, ReadsTheOpenAiFields) {
  const CompletionRequest r = ParseCompletionRequest(
      R"({"model":"m","messages":[{"role":"developer","content":"be brief"},{"role":"user","content":"hi"}],
          "stream":true,"stream_options":{"include_usage":true},"max_tokens":7,"temperature":0.5,"top_p":0.9,
          "seed":42,"stop":"END"})",
      MediaResolver({}, std::nullopt));
  EXPECT_TRUE(r.stream);
  EXPECT_TRUE(r.include_usage);
  EXPECT_EQ(r.max_tokens, 7);
  EXPECT_FLOAT_EQ(*r.sampling.temperature, 0.5f);
  EXPECT_FLOAT_EQ(*r.sampling.top_p, 0.9f);
  EXPECT_EQ(r.sampling.seed, 42u);
  EXPECT_FALSE(r.sampling.top_k);
  EXPECT_EQ(r.stop, std::vector<std::string>{"END"});
  EXPECT_EQ(r.chat.messages[0]["role"], "system");
  EXPECT_EQ(r.chat.messages[1]["content"], "hi");
}

TEST(CompletionRequest, DecodesAnInlineImageIntoAMediaItem) {
  const std::string body = R"({"messages":[{"role":"user","content":[{"type":"image_url","image_url":{"url":")" +
                           DataUri(kMedia + "/images/rgb.png", "image/png") +
                           R"("}},{"type":"text","text":"what is this?"}]}]})";
  const CompletionRequest r = ParseCompletionRequest(body, MediaResolver({}, std::nullopt));
  ASSERT_EQ(r.chat.media.size(), 1u);
  EXPECT_EQ(r.chat.media[0].kind, MediaKind::kImage);
  EXPECT_EQ(r.chat.messages[0]["content"][0]["type"], "image");
  EXPECT_EQ(r.chat.messages[0]["content"][1]["text"], "what is this?");
}

TEST(CompletionRequest, ReadsVolumesFromTheAllowedRootOnly) {
  const std::string body = R"({"messages":[{"role":"user","content":[{"type":"volume_url","volume_url":{"url":"nifti/f32.nii.gz","slices":4,"axis":"coronal"}}]}]})";
  EXPECT_EQ(Status(body), 400);  // local files are off by default
  const MediaResolver media({}, FileRoot(kMedia));
  const CompletionRequest r = ParseCompletionRequest(body, media);
  ASSERT_EQ(r.chat.media.size(), 1u);
  EXPECT_EQ(r.chat.media[0].kind, MediaKind::kVolume);
  EXPECT_EQ(r.chat.media[0].frames.images.size(), 4u);
  EXPECT_EQ(r.chat.messages[0]["content"][0]["type"], "video");
  EXPECT_EQ(Status(R"({"messages":[{"role":"user","content":[{"type":"image_url","image_url":{"url":"../../CMakeLists.txt"}}]}]})", media), 403);
}

TEST(CompletionRequest, EnforcesMediaLimits) {
  MediaLimits limits;
  limits.max_image_pixels = 10;
  const std::string image = R"({"messages":[{"role":"user","content":[{"type":"image_url","image_url":{"url":")" +
                            DataUri(kMedia + "/images/rgb.png", "image/png") + R"("}}]}]})";
  EXPECT_EQ(Status(image, MediaResolver(limits, std::nullopt)), 400);
  limits = {};
  limits.max_slices = 3;
  EXPECT_EQ(Status(R"({"messages":[{"role":"user","content":[{"type":"volume_url","volume_url":{"url":"nifti/f32.nii.gz","slices":4}}]}]})",
                   MediaResolver(limits, FileRoot(kMedia))),
            400);
}

TEST(CompletionRequest, OversizedLocalFileIs413AndAxisTakesNumbers) {
  MediaLimits limits;
  limits.max_file_bytes = 10;
  EXPECT_EQ(Status(R"({"messages":[{"role":"user","content":[{"type":"image_url","image_url":{"url":"images/rgb.png"}}]}]})",
                   MediaResolver(limits, FileRoot(kMedia))),
            413);
  const CompletionRequest r = ParseCompletionRequest(
      R"({"messages":[{"role":"user","content":[{"type":"volume_url","volume_url":{"url":"nifti/f32.nii.gz","slices":2,"axis":"1"}}]}],
          "return_token_ids":true,"top_k":5,"repetition_penalty":1.1,"chat_template_kwargs":{"enable_thinking":true}})",
      MediaResolver({}, FileRoot(kMedia)));
  EXPECT_TRUE(r.return_token_ids);
  EXPECT_TRUE(r.chat.enable_thinking);
  EXPECT_EQ(r.sampling.top_k, 5);
  EXPECT_FLOAT_EQ(*r.sampling.repetition_penalty, 1.1f);
  EXPECT_EQ(r.chat.media.at(0).frames.images.size(), 2u);
}

TEST(CompletionRequest, MalformedBodiesAre400) {
  for (const char* body : {
           "", "{", "[]", "null", R"({"messages":[]})", R"({"messages":"hi"})",
           R"({"messages":[{"content":"hi"}]})", R"({"messages":[{"role":"tool","content":"hi"}]})",
           R"({"messages":[{"role":"user","content":[{"type":"audio"}]}]})",
           R"({"messages":[{"role":"user","content":[{"type":"image_url","image_url":{"url":"data:image/png;base64,!!!!"}}]}]})",
           R"({"messages":[{"role":"user","content":[{"type":"image_url","image_url":{"url":"data:image/png;base64,aGVsbG8="}}]}]})",
           R"({"messages":[{"role":"user","content":[{"type":"image_url","image_url":{"url":"https://example.com/a.png"}}]}]})",
           R"({"messages":[{"role":"user","content":[{"type":"image_url"}]}]})",
           R"({"messages":[{"role":"user","content":"hi"}],"temperature":3})",
           R"({"messages":[{"role":"user","content":"hi"}],"top_p":0})",
           R"({"messages":[{"role":"user","content":"hi"}],"top_k":-1})",
           R"({"messages":[{"role":"user","content":"hi"}],"repetition_penalty":0})",
           R"({"messages":[{"role":"user","content":"hi"}],"return_token_ids":1})",
           R"({"messages":[{"role":"user","content":"hi"}],"chat_template_kwargs":{"enable_thinking":"yes"}})",
           R"({"messages":[{"role":"user","content":"hi"}],"chat_template_kwargs":[]})",
           R"({"messages":[{"role":"user","content":[{"type":"volume_url","volume_url":{"url":"data:application/dicom;base64,AAAA","axis":"up"}}]}]})",
           R"({"messages":[{"role":"user","content":"hi"}],"max_tokens":0})",
           R"({"messages":[{"role":"user","content":"hi"}],"n":2})",
           R"({"messages":[{"role":"user","content":"hi"}],"stop":["a","b","c","d","e"]})",
           R"({"messages":[{"role":"user","content":"hi"}],"stream":"yes"})",
       })
    EXPECT_EQ(Status(body), 400) << body;
}

}  // namespace
}  // namespace hm
