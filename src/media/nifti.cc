#include "media/nifti.h"

#include <algorithm>
#include <array>
#include <cmath>
#include <cstring>
#include <optional>

#include "core/error.h"
#include "io/gzip.h"
#include "io/mapped_file.h"

namespace hm {
namespace {

constexpr size_t kNifti1HeaderSize = 348;
constexpr size_t kNifti2HeaderSize = 540;

// The header fields we use, from either NIfTI version, already byte-swapped.
struct Header {
  int version = 1;
  bool swap = false;
  bool single_file = true;  // "n+1"/"n+2": data in this file; "ni1"/"ni2": in a .img
  std::array<int64_t, 8> dim{};
  int datatype = 0;
  int64_t vox_offset = 0;
  double slope = 0, inter = 0;
};

template <typename T>
T Load(const uint8_t* p, bool swap) {
  uint8_t b[sizeof(T)];
  std::memcpy(b, p, sizeof(T));
  if (swap) std::reverse(b, b + sizeof(T));
  T v;
  std::memcpy(&v, b, sizeof(T));
  return v;
}

// Parses a NIfTI-1 or -2 header from the first bytes; nullopt if it is neither.
std::optional<Header> ParseHeader(const uint8_t* p, size_t size) {
  Header h;
  if (size >= kNifti1HeaderSize) {
    for (bool swap : {false, true}) {
      if (Load<int32_t>(p, swap) != static_cast<int32_t>(kNifti1HeaderSize)) continue;
      const char* magic = reinterpret_cast<const char*>(p + 344);
      if (std::memcmp(magic, "n+1\0", 4) != 0 && std::memcmp(magic, "ni1\0", 4) != 0) break;
      h.version = 1;
      h.swap = swap;
      h.single_file = magic[1] == '+';
      for (int i = 0; i < 8; ++i) h.dim[i] = Load<int16_t>(p + 40 + 2 * i, swap);
      h.datatype = Load<int16_t>(p + 70, swap);
      const float off = Load<float>(p + 108, swap);
      // nibabel takes int(vox_offset); a NaN or absurd float is simply invalid.
      h.vox_offset = std::isfinite(off) && off >= 0 && off < 1e15 ? static_cast<int64_t>(off) : -1;
      h.slope = Load<float>(p + 112, swap);
      h.inter = Load<float>(p + 116, swap);
      return h;
    }
  }
  if (size >= kNifti2HeaderSize) {
    for (bool swap : {false, true}) {
      if (Load<int32_t>(p, swap) != static_cast<int32_t>(kNifti2HeaderSize)) continue;
      const char* magic = reinterpret_cast<const char*>(p + 4);
      if (std::memcmp(magic, "n+2\0", 4) != 0 && std::memcmp(magic, "ni2\0", 4) != 0) break;
      h.version = 2;
      h.swap = swap;
      h.single_file = magic[1] == '+';
      h.datatype = Load<int16_t>(p + 12, swap);
      for (int i = 0; i < 8; ++i) h.dim[i] = Load<int64_t>(p + 16 + 8 * i, swap);
      h.vox_offset = Load<int64_t>(p + 168, swap);
      h.slope = Load<double>(p + 176, swap);
      h.inter = Load<double>(p + 184, swap);
      return h;
    }
  }
  return std::nullopt;
}

// Bytes per voxel for the datatypes nibabel's get_fdata() turns into plain float64.
int VoxelBytes(int datatype) {
  switch (datatype) {
    case 2: case 256: return 1;      // uint8, int8
    case 4: case 512: return 2;      // int16, uint16
    case 8: case 16: case 768: return 4;   // int32, float32, uint32
    case 64: case 1024: case 1280: return 8;  // float64, int64, uint64
    default: return 0;
  }
}

double VoxelValue(const uint8_t* p, int datatype, bool swap) {
  switch (datatype) {
    case 2: return *p;
    case 256: return static_cast<int8_t>(*p);
    case 4: return Load<int16_t>(p, swap);
    case 512: return Load<uint16_t>(p, swap);
    case 8: return Load<int32_t>(p, swap);
    case 768: return Load<uint32_t>(p, swap);
    case 16: return Load<float>(p, swap);
    case 64: return Load<double>(p, swap);
    case 1024: return static_cast<double>(Load<int64_t>(p, swap));
    default: return static_cast<double>(Load<uint64_t>(p, swap));
  }
}

struct Layout {
  std::array<int64_t, 3> shape{1, 1, 1};
  int64_t voxels = 1;
  int64_t vox_offset = 0;
  int64_t data_bytes = 0;
};

Layout CheckHeader(const Header& h, const std::string& what) {
  const int64_t ndim = h.dim[0];
  HM_CHECK(ndim >= 1 && ndim <= 7, what, ": dim[0] = ", ndim, " (must be 1..7)");
  Layout l;
  for (int i = 1; i <= ndim; ++i) {
    HM_CHECK(h.dim[i] >= 1, what, ": dim[", i, "] = ", h.dim[i], " (every axis needs a voxel)");
    // 2^31 voxels is already 16 GiB as float64; checked per axis so the product cannot overflow.
    HM_CHECK(h.dim[i] <= (int64_t{1} << 31) / l.voxels, what,
             ": volume too large (more than 2^31 voxels)");
    l.voxels *= h.dim[i];
    if (i <= 3) {
      l.shape[i - 1] = h.dim[i];
    } else {
      HM_CHECK(h.dim[i] == 1, what, ": dim[", i, "] = ", h.dim[i],
               ": only 3D volumes are supported (a 4D series would need a volume index)");
    }
  }
  const int bytes = VoxelBytes(h.datatype);
  HM_CHECK(bytes > 0, what, ": unsupported NIfTI datatype ", h.datatype,
           " (supported: u8, i8, i16, u16, i32, u32, i64, u64, f32, f64)");
  // A single file's voxels follow the header and its 4-byte extension flag. nibabel repairs
  // a smaller non-zero offset to that minimum; 0 (voxels inside the header) stays an error.
  const int64_t single_min = h.version == 1 ? 352 : 544;
  l.vox_offset = h.single_file && h.vox_offset > 0 && h.vox_offset < single_min ? single_min
                                                                                 : h.vox_offset;
  HM_CHECK(l.vox_offset >= (h.single_file ? single_min : 0) && l.vox_offset < (int64_t{1} << 40),
           what, ": invalid vox_offset ", h.vox_offset);
  l.data_bytes = l.voxels * bytes;
  return l;
}

// nibabel's get_slope_inter(): a zero or non-finite slope means "no scaling".
void ResolveScaling(const Header& h, const std::string& what, double* slope, double* inter) {
  if (h.slope == 0 || !std::isfinite(h.slope)) {
    *slope = 1.0;
    *inter = 0.0;
    return;
  }
  HM_CHECK(std::isfinite(h.inter), what, ": valid scl_slope but invalid scl_inter ", h.inter);
  *slope = h.slope;
  *inter = h.inter;
}

Volume Convert(const Header& h, const Layout& l, const uint8_t* voxels, const std::string& what) {
  double slope, inter;
  ResolveScaling(h, what, &slope, &inter);
  const bool scaled = !(slope == 1.0 && inter == 0.0);
  const int bytes = VoxelBytes(h.datatype);
  Volume v;
  v.shape = l.shape;
  // NIfTI stores the first axis fastest (Fortran order), as nibabel's array views it.
  v.strides = {1, l.shape[0], l.shape[0] * l.shape[1]};
  v.data.resize(static_cast<size_t>(l.voxels));
  for (int64_t i = 0; i < l.voxels; ++i) {
    double x = VoxelValue(voxels + i * bytes, h.datatype, h.swap);
    // nibabel multiplies, then adds, each step only when it is not the identity.
    if (scaled) {
      if (slope != 1.0) x *= slope;
      if (inter != 0.0) x += inter;
    }
    v.data[static_cast<size_t>(i)] = x;
  }
  return v;
}

// Voxel bytes starting at `offset` of a plain or gzip file's content; throws if short.
std::vector<uint8_t> ReadDataBytes(const uint8_t* p, size_t n, int64_t offset, int64_t count,
                                   const std::string& what) {
  if (IsGzip(p, n)) {
    std::vector<uint8_t> all = Gunzip(p, n, static_cast<size_t>(offset + count), what);
    HM_CHECK(static_cast<int64_t>(all.size()) == offset + count, what,
             ": truncated: voxel data needs ", offset + count, " bytes, stream has ", all.size());
    all.erase(all.begin(), all.begin() + offset);
    return all;
  }
  HM_CHECK(static_cast<int64_t>(n) >= offset + count, what, ": truncated: voxel data needs ",
           offset + count, " bytes, file has ", n);
  return std::vector<uint8_t>(p + offset, p + offset + count);
}

// The header bytes of a plain or gzip file (at most the NIfTI-2 header size).
std::vector<uint8_t> HeaderBytes(const uint8_t* p, size_t n, const std::string& what) {
  if (IsGzip(p, n)) return Gunzip(p, n, kNifti2HeaderSize, what);
  return std::vector<uint8_t>(p, p + std::min(n, kNifti2HeaderSize));
}

// foo.hdr -> foo.img, foo.hdr.gz -> foo.img.gz (and upper case), as nibabel pairs them.
std::string ImagePathFor(const std::string& header_path) {
  for (const char* ext : {".hdr.gz", ".hdr", ".HDR.GZ", ".HDR"}) {
    const std::string e = ext;
    if (header_path.size() > e.size() &&
        header_path.compare(header_path.size() - e.size(), e.size(), e) == 0) {
      std::string img = header_path.substr(0, header_path.size() - e.size());
      return img + (e[1] == 'h' ? ".img" : ".IMG") + e.substr(4);
    }
  }
  return {};
}

}  // namespace

bool IsNiftiFile(const std::string& path) {
  try {
    MappedFile file(path);
    const std::vector<uint8_t> head = HeaderBytes(file.data(), file.size(), path);
    return ParseHeader(head.data(), head.size()).has_value();
  } catch (const Error&) {
    return false;
  }
}

Volume ParseNifti(const uint8_t* data, size_t size, const std::string& what) {
  const std::vector<uint8_t> head = HeaderBytes(data, size, what);
  const std::optional<Header> h = ParseHeader(head.data(), head.size());
  HM_CHECK(h.has_value(), what, ": not a NIfTI-1/NIfTI-2 file (no valid header and magic)");
  HM_CHECK(h->single_file, what, ": header of a .hdr/.img pair; its voxels are in the .img");
  const Layout layout = CheckHeader(*h, what);
  const std::vector<uint8_t> voxels =
      ReadDataBytes(data, size, layout.vox_offset, layout.data_bytes, what);
  return Convert(*h, layout, voxels.data(), what);
}

Volume ReadNiftiVolume(const std::string& path) {
  MappedFile file(path);
  const std::vector<uint8_t> head = HeaderBytes(file.data(), file.size(), path);
  const std::optional<Header> h = ParseHeader(head.data(), head.size());
  HM_CHECK(h.has_value(), path, ": not a NIfTI-1/NIfTI-2 file (no valid header and magic)");
  if (h->single_file) return ParseNifti(file.data(), file.size(), path);
  const Layout layout = CheckHeader(*h, path);
  const std::string img_path = ImagePathFor(path);
  HM_CHECK(!img_path.empty(), path,
           ": header of a .hdr/.img pair, but the name does not end in .hdr");
  MappedFile img(img_path);
  const std::vector<uint8_t> voxels =
      ReadDataBytes(img.data(), img.size(), layout.vox_offset, layout.data_bytes, img_path);
  return Convert(*h, layout, voxels.data(), img_path);
}

Frames LoadNifti(const std::string& path, const NiftiOptions& opts) {
  const Volume volume = ReadNiftiVolume(path);
  return SliceVolume(volume, opts.axis, opts.num_slices, path.c_str());
}

}  // namespace hm
