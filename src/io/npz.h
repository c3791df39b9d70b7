// NumPy .npz archives (np.savez / np.savez_compressed): a zip of .npy members, one per
// array, read through libzip. This is how MedMNIST publishes its images and labels.
#pragma once

#include <string>
#include <vector>

#include "io/npy.h"

namespace hm {

// The names of the arrays in the archive ("test_images" for the member test_images.npy), in
// archive order. Throws hm::Error naming the path when it is not a readable zip.
std::vector<std::string> NpzArrayNames(const std::string& path);

// One array of the archive. Throws hm::Error naming the path and the array when the member
// is missing (listing the ones there), cannot be inflated, or is not a valid .npy.
NpyArray ReadNpzArray(const std::string& path, const std::string& name);

}  // namespace hm
