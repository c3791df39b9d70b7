// gzip streams (.nii.gz volumes, PhysioNet's .csv.gz tables), inflated with zlib.
#pragma once

#include <cstddef>
#include <cstdint>
#include <string>
#include <vector>

namespace hm {

// Whether the bytes start with gzip's magic number.
bool IsGzip(const uint8_t* data, size_t size);

// Inflates up to max_out bytes of a gzip stream (concatenated members included). Stops early at
// max_out, so a forged header cannot make us inflate more than the data it declares. Throws
// hm::Error naming `what` on corrupt data.
std::vector<uint8_t> Gunzip(const uint8_t* data, size_t size, size_t max_out, const std::string& what);

}  // namespace hm
