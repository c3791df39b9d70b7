// GGUF writer/reader round trip, and the reader's checks on damaged files.
#include "io/gguf.h"

#include <gtest/gtest.h>

#include <cstring>
#include <fstream>
#include <iterator>

#include "core/error.h"
#include "core/scratch_dir_testing.h"

namespace hm {
namespace {

std::vector<uint8_t> ReadAll(const std::string& path) {
  std::ifstream in(path, std::ios::binary);
  return {std::istreambuf_iterator<char>(in), {}};
}

std::string WriteSample(const ScratchDir& scratch) {
  GgufWriter w;
  w.Set("general.architecture", GgufKind::kString, "qwen2");
  w.Set("qwen2.block_count", GgufKind::kU32, 2);
  w.Set("qwen2.rope.freq_base", GgufKind::kF32, 1e6);
  w.SetArray("tokenizer.ggml.tokens", GgufKind::kString, {"a", "b", "<|im_end|>"});
  w.AddTensor("token_embd.weight", GgmlType::kQ8_0, {3, 64}, [](std::span<uint8_t> out) {
    for (size_t i = 0; i < out.size(); ++i) out[i] = static_cast<uint8_t>(i);
  });
  w.AddTensor("output_norm.weight", GgmlType::kF32, {5}, [](std::span<uint8_t> out) {
    const float v[5] = {1, 2, 3, 4, 5};
    std::memcpy(out.data(), v, sizeof(v));
  });
  const std::string path = scratch.File("sample.gguf");
  w.Write(path);
  return path;
}

TEST(Gguf, RoundTrip) {
  ScratchDir scratch;
  const GgufFile f(WriteSample(scratch));
  EXPECT_EQ(f.GetString("general.architecture"), "qwen2");
  EXPECT_EQ(f.Get("qwen2.block_count").value.get<uint32_t>(), 2u);
  EXPECT_EQ(f.Get("qwen2.block_count").kind, GgufKind::kU32);
  EXPECT_FLOAT_EQ(f.Get("qwen2.rope.freq_base").value.get<float>(), 1e6f);
  const GgufValue& tokens = f.Get("tokenizer.ggml.tokens");
  EXPECT_TRUE(tokens.is_array);
  EXPECT_EQ(tokens.value[2], "<|im_end|>");
  const GgufTensorInfo* e = f.Find("token_embd.weight");
  ASSERT_TRUE(e);
  EXPECT_EQ(e->shape, (std::vector<int64_t>{3, 64}));
  EXPECT_EQ(e->nbytes, 3u * 2 * 34);
  EXPECT_EQ(e->offset % 32, 0u);
  EXPECT_EQ(static_cast<const uint8_t*>(f.Data(*e))[5], 5);
  const GgufTensorInfo* n = f.Find("output_norm.weight");
  ASSERT_TRUE(n);
  EXPECT_EQ(static_cast<const float*>(f.Data(*n))[4], 5.0f);
  EXPECT_THROW(f.Get("missing.key"), Error);
  EXPECT_THROW(f.GetString("qwen2.block_count"), Error);
}

TEST(Gguf, DamagedFilesAreClearErrors) {
  ScratchDir scratch;
  const std::vector<uint8_t> good = ReadAll(WriteSample(scratch));
  ASSERT_NO_THROW(ParseGguf(good, "good"));
  auto expect_error = [](std::vector<uint8_t> bytes, const std::string& what) {
    try {
      ParseGguf(bytes, "damaged.gguf");
      ADD_FAILURE() << "accepted: " << what;
    } catch (const Error& e) {
      EXPECT_NE(std::string(e.what()).find("damaged.gguf"), std::string::npos) << e.what();
    }
  };
  for (size_t cut : {size_t{3}, size_t{20}, size_t{60}, good.size() / 2, good.size() - 13})  // the last: inside output_norm
    expect_error({good.begin(), good.begin() + cut}, "truncated at " + std::to_string(cut));
  auto bad_magic = good;
  bad_magic[0] = 'X';
  expect_error(bad_magic, "magic");
  auto huge_count = good;
  huge_count[8] = 0xff;  // tensor count low byte
  huge_count[15] = 0x7f;
  expect_error(huge_count, "tensor count");
  // The last tensor's offset is the 8 bytes before the aligned data start; point it past the end.
  const GgufHeader h = ParseGguf(good, "good");
  std::vector<uint8_t> far = good;
  const std::string name = "output_norm.weight";
  const auto it = std::search(far.begin(), far.end(), name.begin(), name.end());
  ASSERT_NE(it, far.end());
  const size_t off_pos = static_cast<size_t>(it - far.begin()) + name.size() + 4 + 8 + 4;
  const uint64_t past = 1 << 20;
  std::memcpy(far.data() + off_pos, &past, 8);
  expect_error(far, "offset past the end");
  const uint64_t overlap = 0;  // same bytes as token_embd
  std::memcpy(far.data() + off_pos, &overlap, 8);
  expect_error(far, "overlap");
}

}  // namespace
}  // namespace hm
