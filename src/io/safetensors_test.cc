#include "io/safetensors.h"

#include <gtest/gtest.h>

#include <cstring>
#include <filesystem>
#include <string>

#include "core/error.h"
#include "core/scratch_dir_testing.h"

namespace hm {
namespace {

std::vector<uint8_t> Bytes(const std::string& header, size_t data_size) {
  std::vector<uint8_t> b(8 + header.size() + data_size, 0);
  for (int i = 0; i < 8; ++i) b[i] = static_cast<uint8_t>(header.size() >> (8 * i));
  std::memcpy(b.data() + 8, header.data(), header.size());
  return b;
}

std::string ParseError(const std::vector<uint8_t>& bytes) {
  try {
    ParseSafetensorsHeader(bytes, "f.safetensors");
  } catch (const Error& e) {
    return e.what();
  }
  return "";
}

TEST(Safetensors, ParsesValidHeader) {
  auto b = Bytes(R"({"__metadata__":{"format":"pt"},"b":{"dtype":"BF16","shape":[2],"data_offsets":[8,12]},)"
                 R"("a":{"dtype":"F32","shape":[2],"data_offsets":[0,8]}})", 12);
  SafetensorsHeader h = ParseSafetensorsHeader(b, "f");
  ASSERT_EQ(h.tensors.size(), 2u);
  EXPECT_EQ(h.tensors[0].name, "a");  // sorted by data offset
  EXPECT_EQ(h.tensors[1].dtype, DType::kBF16);
  EXPECT_EQ(h.metadata.at("format"), "pt");
}

TEST(Safetensors, RejectsBadInputWithClearErrors) {
  EXPECT_NE(ParseError({1, 2, 3}).find("too short"), std::string::npos);
  auto big = Bytes("{}", 0);
  big[5] = 1;  // header length of 2^40
  EXPECT_NE(ParseError(big).find("exceeds"), std::string::npos);
  auto past = Bytes("{}", 0);
  past[0] = 50;
  EXPECT_NE(ParseError(past).find("past the end"), std::string::npos);
  EXPECT_NE(ParseError(Bytes("{not json", 0)).find("not valid JSON"), std::string::npos);
  EXPECT_NE(ParseError(Bytes("[]", 0)).find("not a JSON object"), std::string::npos);
  EXPECT_NE(ParseError(Bytes(R"({"w":{"dtype":"F32","shape":[4],"data_offsets":[0,16]}})", 8))
                .find("outside the data section"),
            std::string::npos);
  EXPECT_NE(ParseError(Bytes(R"({"w":{"dtype":"F32","shape":[3],"data_offsets":[0,16]}})", 16))
                .find("needs 12 bytes"),
            std::string::npos);
  EXPECT_NE(ParseError(Bytes(R"({"w":{"dtype":"Q9","shape":[4],"data_offsets":[0,4]}})", 4))
                .find("unsupported dtype"),
            std::string::npos);
  EXPECT_NE(ParseError(Bytes(R"({"a":{"dtype":"F32","shape":[2],"data_offsets":[0,8]},)"
                             R"("b":{"dtype":"F32","shape":[2],"data_offsets":[4,12]}})", 12))
                .find("overlap"),
            std::string::npos);
  EXPECT_NE(ParseError(Bytes(R"({"w":{"dtype":"F32","shape":[-1],"data_offsets":[0,4]}})", 4))
                .find("non-negative"),
            std::string::npos);
  EXPECT_NE(ParseError(Bytes(R"({"w":{"dtype":"U8","shape":[4294967296,4294967296,16],"data_offsets":[0,4]}})", 4))
                .find("overflows"),
            std::string::npos);
}

TEST(Safetensors, WriteThenMapRoundTrip) {
  ScratchDir scratch;
  const std::string path = scratch.File("roundtrip.safetensors");
  const float values[3] = {1.5f, -2.0f, 3.25f};
  WriteSafetensors(path,
                   {{"x", DType::kF32, {3}, [&](std::span<uint8_t> d) { std::memcpy(d.data(), values, 12); }},
                    {"y", DType::kU8, {2, 1}, [](std::span<uint8_t> d) { d[0] = 7; d[1] = 9; }}},
                   {{"format", "pt"}});
  SafetensorsFile file(path);
  ASSERT_EQ(file.header().tensors.size(), 2u);
  EXPECT_EQ(file.header().data_start % 8, 0u);
  TensorView x = file.View(file.header().tensors[0]);
  EXPECT_EQ(x.shape, (std::vector<int64_t>{3}));
  EXPECT_EQ(static_cast<const float*>(x.data)[2], 3.25f);
  TensorView y = file.View(file.header().tensors[1]);
  EXPECT_EQ(static_cast<const uint8_t*>(y.data)[1], 9);
}

TEST(Safetensors, TruncatedFileNamesTheTensor) {
  ScratchDir scratch;
  const std::string path = scratch.File("trunc.safetensors");
  WriteSafetensors(path, {{"layer.weight", DType::kF32, {64}, [](std::span<uint8_t>) {}}});
  std::filesystem::resize_file(path, std::filesystem::file_size(path) - 10);
  try {
    SafetensorsFile file(path);
    FAIL() << "truncated file accepted";
  } catch (const Error& e) {
    EXPECT_NE(std::string(e.what()).find("layer.weight"), std::string::npos) << e.what();
    EXPECT_NE(std::string(e.what()).find("truncated"), std::string::npos) << e.what();
  }
}

}  // namespace
}  // namespace hm
