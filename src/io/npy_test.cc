#include "io/npy.h"

#include <gtest/gtest.h>

#include "core/error.h"
#include "core/scratch_dir_testing.h"

namespace hm {
namespace {

TEST(Npy, RoundTripsShapesAndValues) {
  ScratchDir scratch;
  const std::string path = scratch.File("a.npy");
  const float v[6] = {1, 2, 3, 4, 5, -6.5f};
  for (const std::vector<int64_t>& shape : std::vector<std::vector<int64_t>>{{6}, {2, 3}, {1, 2, 3}}) {
    WriteNpy(path, DType::kF32, shape, v);
    NpyArray a = ReadNpy(path);
    EXPECT_EQ(a.shape, shape);
    EXPECT_EQ(a.ToF32()[5], -6.5f);
  }
  const int64_t ids[2] = {7, -1};
  WriteNpy(path, DType::kI64, {2}, ids);
  EXPECT_EQ(ReadNpy(path).ToF32()[1], -1.0f);
}

TEST(Npy, RejectsGarbage) {
  ScratchDir scratch;
  const std::string path = scratch.File("bad.npy");
  {
    std::FILE* f = std::fopen(path.c_str(), "wb");
    std::fputs("not numpy at all", f);
    std::fclose(f);
  }
  EXPECT_THROW(ReadNpy(path), Error);
  EXPECT_THROW(ReadNpy(path + ".missing"), Error);
}

}  // namespace
}  // namespace hm
