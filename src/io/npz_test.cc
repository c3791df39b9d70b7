#include "io/npz.h"

#include <gtest/gtest.h>

#include "core/error.h"

namespace hm {
namespace {

const std::string kDir = HULUMED_SOURCE_DIR "/testdata/npz/";

TEST(Npz, ReadsDeflatedArraysAsNumpyWroteThem) {
  EXPECT_EQ(NpzArrayNames(kDir + "compressed.npz"), (std::vector<std::string>{"images", "labels"}));
  const NpyArray images = ReadNpzArray(kDir + "compressed.npz", "images");
  EXPECT_EQ(images.dtype, DType::kU8);
  EXPECT_EQ(images.shape, (std::vector<int64_t>{2, 3, 4}));
  EXPECT_EQ(images.bytes[23], 23);
  const NpyArray labels = ReadNpzArray(kDir + "compressed.npz", "labels");
  EXPECT_EQ(labels.shape, (std::vector<int64_t>{2, 1}));
  EXPECT_EQ(labels.ToF32(), (std::vector<float>{3, 1}));
}

TEST(Npz, ReadsStoredArrays) {
  EXPECT_EQ(ReadNpzArray(kDir + "stored.npz", "weights").ToF32(), (std::vector<float>{1.5f, -2.0f}));
}

TEST(Npz, ErrorsNameTheFileAndTheArray) {
  try {
    ReadNpzArray(kDir + "compressed.npz", "test_images");
    ADD_FAILURE() << "no error";
  } catch (const Error& e) {
    EXPECT_NE(std::string(e.what()).find("compressed.npz: no array 'test_images' (it holds: images, labels)"),
              std::string::npos)
        << e.what();
  }
  EXPECT_THROW(NpzArrayNames(kDir + "not_a_zip.npz"), Error);
  EXPECT_THROW(ReadNpzArray(kDir + "missing.npz", "x"), Error);
}

}  // namespace
}  // namespace hm
