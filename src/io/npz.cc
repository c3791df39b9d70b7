#include "io/npz.h"

#include <zip.h>

#include <memory>
#include <utility>

#include "core/error.h"

namespace hm {
namespace {

struct ArchiveCloser {
  void operator()(zip_t* archive) const { zip_discard(archive); }  // read-only: nothing to write back
};
using Archive = std::unique_ptr<zip_t, ArchiveCloser>;

Archive OpenArchive(const std::string& path) {
  int error = 0;
  zip_t* archive = zip_open(path.c_str(), ZIP_RDONLY, &error);
  if (!archive) {
    zip_error_t z;
    zip_error_init_with_code(&z, error);
    const std::string why = zip_error_strerror(&z);
    zip_error_fini(&z);
    throw Error(StrCat(path, ": cannot open as an .npz (zip) archive: ", why));
  }
  return Archive(archive);
}

const std::string kSuffix = ".npy";

}  // namespace

std::vector<std::string> NpzArrayNames(const std::string& path) {
  const Archive archive = OpenArchive(path);
  std::vector<std::string> names;
  const zip_int64_t n = zip_get_num_entries(archive.get(), 0);
  for (zip_int64_t i = 0; i < n; ++i) {
    const std::string member = zip_get_name(archive.get(), static_cast<zip_uint64_t>(i), 0);
    if (member.size() > kSuffix.size() && member.compare(member.size() - kSuffix.size(), kSuffix.size(), kSuffix) == 0)
      names.push_back(member.substr(0, member.size() - kSuffix.size()));
  }
  return names;
}

NpyArray ReadNpzArray(const std::string& path, const std::string& name) {
  const Archive archive = OpenArchive(path);
  const std::string member = name + kSuffix;
  const std::string where = path + ":" + member;
  zip_stat_t stat;
  if (zip_stat(archive.get(), member.c_str(), 0, &stat) != 0) {
    std::string present;
    for (const std::string& n : NpzArrayNames(path)) present += (present.empty() ? "" : ", ") + n;
    throw Error(StrCat(path, ": no array '", name, "' (it holds: ", present.empty() ? "none" : present, ")"));
  }
  HM_CHECK(stat.valid & ZIP_STAT_SIZE, where, ": the archive does not record its size");
  std::vector<uint8_t> bytes(stat.size);
  zip_file_t* file = zip_fopen_index(archive.get(), stat.index, 0);
  HM_CHECK(file, where, ": cannot open: ", zip_strerror(archive.get()));
  const zip_int64_t got = zip_fread(file, bytes.data(), bytes.size());
  const std::string why = got < 0 ? zip_file_strerror(file) : "";
  zip_fclose(file);
  HM_CHECK(got >= 0 && static_cast<zip_uint64_t>(got) == stat.size, where, ": cannot inflate (",
           got < 0 ? why : "short read", ")");
  return ParseNpy(std::move(bytes), where);
}

}  // namespace hm
