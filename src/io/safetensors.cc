#include "io/safetensors.h"

#include <algorithm>
#include <cstdio>
#include <cstring>
#include <limits>
#include <nlohmann/json.hpp>

#include "core/error.h"

namespace hm {
namespace {

using json = nlohmann::json;

uint64_t ReadLE64(const uint8_t* p) {
  uint64_t v = 0;
  for (int i = 7; i >= 0; --i) v = (v << 8) | p[i];
  return v;
}

uint64_t JsonToU64(const json& v, const std::string& what) {
  HM_CHECK(v.is_number_unsigned() || (v.is_number_integer() && v.get<int64_t>() >= 0),
           what, " must be a non-negative integer");
  return v.get<uint64_t>();
}

SafetensorsEntry ParseEntry(const std::string& name, const json& j, uint64_t data_size,
                            const std::string& file) {
  const std::string where = StrCat(file, ": tensor '", name, "'");
  HM_CHECK(j.is_object(), where, ": header entry is not an object");
  SafetensorsEntry e;
  e.name = name;

  auto dtype = j.find("dtype");
  HM_CHECK(dtype != j.end() && dtype->is_string(), where, ": missing dtype");
  HM_CHECK(ParseDType(dtype->get<std::string>(), &e.dtype), where, ": unsupported dtype '",
           dtype->get<std::string>(), "'");

  auto shape = j.find("shape");
  HM_CHECK(shape != j.end() && shape->is_array(), where, ": missing shape");
  uint64_t numel = 1;
  for (const json& d : *shape) {
    const uint64_t n = JsonToU64(d, where + " shape entry");
    HM_CHECK(n <= static_cast<uint64_t>(std::numeric_limits<int64_t>::max()) &&
                 (n == 0 || numel <= std::numeric_limits<uint64_t>::max() / n),
             where, ": shape overflows");
    numel *= n;
    e.shape.push_back(static_cast<int64_t>(n));
  }

  auto offsets = j.find("data_offsets");
  HM_CHECK(offsets != j.end() && offsets->is_array() && offsets->size() == 2, where,
           ": data_offsets must be [begin, end]");
  e.begin = JsonToU64((*offsets)[0], where + " data_offsets");
  e.end = JsonToU64((*offsets)[1], where + " data_offsets");
  HM_CHECK(e.begin <= e.end && e.end <= data_size, where, ": data_offsets [", e.begin, ", ",
           e.end, "] outside the data section of ", data_size, " bytes (truncated file?)");
  const uint64_t size = DTypeSize(e.dtype);
  HM_CHECK(numel <= std::numeric_limits<uint64_t>::max() / size && numel * size == e.end - e.begin,
           where, ": shape ", ShapeString(e.shape), " of ", DTypeName(e.dtype), " needs ",
           numel * size, " bytes but data_offsets span ", e.end - e.begin);
  return e;
}

}  // namespace

SafetensorsHeader ParseSafetensorsHeader(std::span<const uint8_t> bytes, const std::string& file) {
  HM_CHECK(bytes.size() >= 8, file, ": too short for a safetensors file (", bytes.size(),
           " bytes)");
  const uint64_t header_len = ReadLE64(bytes.data());
  HM_CHECK(header_len <= kMaxSafetensorsHeader, file, ": header length ", header_len,
           " exceeds the ", kMaxSafetensorsHeader, "-byte limit");
  HM_CHECK(header_len <= bytes.size() - 8, file, ": header length ", header_len,
           " runs past the end of the file (", bytes.size(), " bytes; truncated?)");

  json j = json::parse(bytes.begin() + 8, bytes.begin() + 8 + static_cast<ptrdiff_t>(header_len),
                       nullptr, /*allow_exceptions=*/false);
  HM_CHECK(!j.is_discarded(), file, ": header is not valid JSON");
  HM_CHECK(j.is_object(), file, ": header is not a JSON object");

  SafetensorsHeader h;
  h.data_start = 8 + header_len;
  const uint64_t data_size = bytes.size() - h.data_start;
  for (auto it = j.begin(); it != j.end(); ++it) {
    if (it.key() == "__metadata__") {
      HM_CHECK(it->is_object(), file, ": __metadata__ is not an object");
      for (auto m = it->begin(); m != it->end(); ++m) {
        HM_CHECK(m->is_string(), file, ": __metadata__ value '", m.key(), "' is not a string");
        h.metadata[m.key()] = m->get<std::string>();
      }
      continue;
    }
    h.tensors.push_back(ParseEntry(it.key(), *it, data_size, file));
  }

  std::sort(h.tensors.begin(), h.tensors.end(),
            [](const SafetensorsEntry& a, const SafetensorsEntry& b) {
              return a.begin != b.begin ? a.begin < b.begin : a.end < b.end;
            });
  for (size_t i = 1; i < h.tensors.size(); ++i) {
    const SafetensorsEntry& prev = h.tensors[i - 1];
    const SafetensorsEntry& cur = h.tensors[i];
    HM_CHECK(cur.begin >= prev.end || cur.begin == cur.end || prev.begin == prev.end, file,
             ": tensors '", prev.name, "' and '", cur.name, "' overlap");
  }
  return h;
}

SafetensorsFile::SafetensorsFile(const std::string& path)
    : file_(std::make_unique<MappedFile>(path)),
      header_(ParseSafetensorsHeader({file_->data(), file_->size()}, path)) {}

TensorView SafetensorsFile::View(const SafetensorsEntry& entry) const {
  return TensorView{entry.dtype, entry.shape, file_->data() + header_.data_start + entry.begin};
}

size_t TensorToWrite::nbytes() const {
  size_t n = DTypeSize(dtype);
  for (int64_t d : shape) n *= static_cast<size_t>(d);
  return n;
}

void WriteSafetensors(const std::string& path, const std::vector<TensorToWrite>& tensors,
                      const std::map<std::string, std::string>& metadata) {
  json header = json::object();
  if (!metadata.empty()) header["__metadata__"] = metadata;
  uint64_t offset = 0;
  for (const TensorToWrite& t : tensors) {
    HM_CHECK(!header.contains(t.name), path, ": duplicate tensor '", t.name, "'");
    header[t.name] = {{"dtype", DTypeName(t.dtype)},
                      {"shape", t.shape},
                      {"data_offsets", {offset, offset + t.nbytes()}}};
    offset += t.nbytes();
  }
  std::string text = header.dump();
  text.append((8 - text.size() % 8) % 8, ' ');  // keeps tensor data 8-byte aligned

  std::FILE* f = std::fopen(path.c_str(), "wb");
  HM_CHECK(f, path, ": cannot create: ", std::strerror(errno));
  uint8_t len[8];
  for (int i = 0; i < 8; ++i) len[i] = static_cast<uint8_t>(text.size() >> (8 * i));
  bool ok = std::fwrite(len, 1, 8, f) == 8 && std::fwrite(text.data(), 1, text.size(), f) == text.size();
  std::vector<uint8_t> buffer;
  for (const TensorToWrite& t : tensors) {
    if (!ok) break;
    buffer.assign(t.nbytes(), 0);
    t.fill(buffer);
    ok = std::fwrite(buffer.data(), 1, buffer.size(), f) == buffer.size();
  }
  ok = (std::fclose(f) == 0) && ok;
  HM_CHECK(ok, path, ": write failed: ", std::strerror(errno));
}

}  // namespace hm
