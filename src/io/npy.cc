#include "io/npy.h"

#include <cstdio>
#include <cstring>
#include <fstream>
#include <iterator>
#include <utility>

#include "core/error.h"

namespace hm {
namespace {

struct Descr {
  const char* text;
  DType dtype;
};
constexpr Descr kDescrs[] = {
    {"<f4", DType::kF32}, {"<f8", DType::kF64}, {"<f2", DType::kF16}, {"|i1", DType::kI8},
    {"<i2", DType::kI16}, {"<i4", DType::kI32}, {"<i8", DType::kI64}, {"|u1", DType::kU8},
    {"|b1", DType::kBool},
};

// The header is a Python dict literal; we only need three fields and read them textually.
std::string DictValue(const std::string& header, const std::string& key, const std::string& path) {
  const size_t k = header.find("'" + key + "'");
  HM_CHECK(k != std::string::npos, path, ": .npy header lacks '", key, "'");
  size_t v = header.find(':', k);
  HM_CHECK(v != std::string::npos, path, ": malformed .npy header");
  ++v;
  while (v < header.size() && header[v] == ' ') ++v;
  const char open = header[v];
  const char close = open == '(' ? ')' : open == '\'' ? '\'' : ',';
  const size_t end = header.find(close, v + 1);
  HM_CHECK(end != std::string::npos, path, ": malformed .npy header");
  return header.substr(open == '\'' || open == '(' ? v + 1 : v, end - v - (open == '\'' || open == '(' ? 1 : 0));
}

}  // namespace

int64_t NpyArray::numel() const {
  int64_t n = 1;
  for (int64_t d : shape) n *= d;
  return n;
}

std::vector<float> NpyArray::ToF32() const {
  std::vector<float> out(static_cast<size_t>(numel()));
  for (size_t i = 0; i < out.size(); ++i) {
    const uint8_t* p = bytes.data() + i * DTypeSize(dtype);
    switch (dtype) {
      case DType::kF32: { float v; std::memcpy(&v, p, 4); out[i] = v; break; }
      case DType::kF64: { double v; std::memcpy(&v, p, 8); out[i] = static_cast<float>(v); break; }
      case DType::kF16: { uint16_t v; std::memcpy(&v, p, 2); out[i] = F16ToF32(v); break; }
      case DType::kI8: out[i] = static_cast<int8_t>(*p); break;
      case DType::kI16: { int16_t v; std::memcpy(&v, p, 2); out[i] = v; break; }
      case DType::kI32: { int32_t v; std::memcpy(&v, p, 4); out[i] = static_cast<float>(v); break; }
      case DType::kI64: { int64_t v; std::memcpy(&v, p, 8); out[i] = static_cast<float>(v); break; }
      default: out[i] = *p; break;  // u8, bool
    }
  }
  return out;
}

NpyArray ParseNpy(std::vector<uint8_t> file, const std::string& path) {
  HM_CHECK(file.size() >= 10 && std::memcmp(file.data(), "\x93NUMPY", 6) == 0, path,
           ": not a .npy file");
  const int major = file[6];
  const size_t len_bytes = major == 1 ? 2 : 4;
  HM_CHECK(major >= 1 && major <= 3 && file.size() >= 8 + len_bytes, path, ": unsupported .npy version");
  size_t header_len = 0;
  for (size_t i = 0; i < len_bytes; ++i) header_len |= size_t{file[8 + i]} << (8 * i);
  const size_t data_start = 8 + len_bytes + header_len;
  HM_CHECK(data_start <= file.size(), path, ": truncated .npy header");
  const std::string header(file.begin() + 8 + len_bytes, file.begin() + static_cast<ptrdiff_t>(data_start));

  NpyArray a;
  const std::string descr = DictValue(header, "descr", path);
  bool known = false;
  for (const Descr& d : kDescrs)
    if (descr == d.text) a.dtype = d.dtype, known = true;
  HM_CHECK(known, path, ": unsupported .npy dtype '", descr, "'");
  HM_CHECK(DictValue(header, "fortran_order", path).find("False") != std::string::npos, path,
           ": Fortran-order arrays are not supported");
  const std::string shape = DictValue(header, "shape", path);
  size_t pos = 0;
  while (pos < shape.size()) {
    while (pos < shape.size() && (shape[pos] == ' ' || shape[pos] == ',')) ++pos;
    if (pos >= shape.size()) break;
    size_t used = 0;
    a.shape.push_back(std::stoll(shape.substr(pos), &used));
    pos += used;
  }
  const size_t nbytes = static_cast<size_t>(a.numel()) * DTypeSize(a.dtype);
  HM_CHECK(file.size() - data_start == nbytes, path, ": expected ", nbytes, " data bytes, found ",
           file.size() - data_start);
  // The data stays in the file's buffer: an array of gigabytes (MedMNIST+ at 224 px) is not copied.
  file.erase(file.begin(), file.begin() + static_cast<ptrdiff_t>(data_start));
  a.bytes = std::move(file);
  return a;
}

NpyArray ReadNpy(const std::string& path) {
  std::ifstream in(path, std::ios::binary);
  HM_CHECK(in, path, ": cannot open");
  return ParseNpy(std::vector<uint8_t>((std::istreambuf_iterator<char>(in)), std::istreambuf_iterator<char>()), path);
}

void WriteNpy(const std::string& path, DType dtype, const std::vector<int64_t>& shape,
              const void* data) {
  const char* descr = nullptr;
  for (const Descr& d : kDescrs)
    if (d.dtype == dtype) descr = d.text;
  HM_CHECK(descr, path, ": cannot write dtype ", DTypeName(dtype), " to .npy");
  std::string shape_text = "(";
  size_t numel = 1;
  for (size_t i = 0; i < shape.size(); ++i) {
    shape_text += (i ? ", " : "") + std::to_string(shape[i]);
    numel *= static_cast<size_t>(shape[i]);
  }
  shape_text += shape.size() == 1 ? ",)" : ")";
  std::string header =
      StrCat("{'descr': '", descr, "', 'fortran_order': False, 'shape': ", shape_text, ", }");
  const size_t total = 10 + header.size() + 1;
  header.append((64 - total % 64) % 64, ' ');
  header += '\n';
  std::FILE* f = std::fopen(path.c_str(), "wb");
  HM_CHECK(f, path, ": cannot create");
  const uint8_t prefix[10] = {0x93, 'N', 'U', 'M', 'P', 'Y', 1, 0,
                              static_cast<uint8_t>(header.size() & 0xff),
                              static_cast<uint8_t>(header.size() >> 8)};
  const size_t nbytes = numel * DTypeSize(dtype);
  bool ok = std::fwrite(prefix, 1, 10, f) == 10 &&
            std::fwrite(header.data(), 1, header.size(), f) == header.size() &&
            std::fwrite(data, 1, nbytes, f) == nbytes;
  ok = std::fclose(f) == 0 && ok;
  HM_CHECK(ok, path, ": write failed");
}

}  // namespace hm
