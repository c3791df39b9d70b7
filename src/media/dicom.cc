#include "media/dicom.h"

#include <algorithm>
#include <cmath>
#include <filesystem>
#include <map>
#include <set>

#include "core/error.h"
#include "media/dicom_file.h"

namespace hm {

namespace {

namespace fs = std::filesystem;

// One 2D plane of the input: a frame of one of the files.
struct Plane {
  size_t file = 0;
  int frame = 0;
};

std::vector<DicomFile> OpenFiles(const std::string& path) {
  std::error_code ec;
  std::vector<DicomFile> files;
  if (!fs::is_directory(path, ec)) {
    files.emplace_back(path);
    return files;
  }
  std::vector<std::string> names;
  for (const fs::directory_entry& e : fs::directory_iterator(path, ec)) {
    const std::string name = e.path().filename().string();
    if (name.empty() || name[0] == '.' || name == "DICOMDIR") continue;
    if (e.is_regular_file(ec)) names.push_back(e.path().string());
  }
  HM_CHECK(!ec, path, ": cannot list folder (", ec.message(), ")");
  HM_CHECK(!names.empty(), path, ": folder holds no DICOM files");
  std::sort(names.begin(), names.end());
  for (const std::string& name : names) files.emplace_back(name);
  return files;
}

// All files of a series must describe the same kind of plane.
void CheckSeries(const std::string& path, const std::vector<DicomFile>& files) {
  const DicomImageInfo& first = files[0].info();
  std::set<std::string> series;
  for (const DicomFile& f : files) {
    const DicomImageInfo& in = f.info();
    HM_CHECK(in.rows == first.rows && in.columns == first.columns &&
                 in.samples_per_pixel == first.samples_per_pixel,
             f.path(), ": ", in.rows, "x", in.columns, "x", in.samples_per_pixel,
             " differs from ", files[0].path(), " (", first.rows, "x", first.columns, "x",
             first.samples_per_pixel, "); a folder must hold one series");
    if (!in.series_uid.empty()) series.insert(in.series_uid);
  }
  HM_CHECK(series.size() <= 1, path, ": folder holds ", series.size(),
           " series (SeriesInstanceUID); pass one series per folder");
}

// Orders files along the slice normal when every file has a position and orientation,
// else by InstanceNumber when every file has one, else keeps the (sorted) file-name order.
std::vector<Plane> OrderPlanes(const std::vector<DicomFile>& files) {
  std::vector<size_t> order(files.size());
  for (size_t i = 0; i < order.size(); ++i) order[i] = i;
  auto all = [&](auto has) {
    return std::all_of(files.begin(), files.end(), [&](const DicomFile& f) { return has(f.info()); });
  };
  auto instance = [&](size_t i) { return files[i].info().instance_number.value_or(0); };
  if (files.size() > 1 && all([](const DicomImageInfo& in) { return in.position && in.orientation; })) {
    const std::array<double, 6>& o = *files[0].info().orientation;
    // Slice normal = row direction x column direction.
    const double n[3] = {o[1] * o[5] - o[2] * o[4], o[2] * o[3] - o[0] * o[5],
                         o[0] * o[4] - o[1] * o[3]};
    auto depth = [&](size_t i) {
      const std::array<double, 3>& pos = *files[i].info().position;
      return pos[0] * n[0] + pos[1] * n[1] + pos[2] * n[2];
    };
    std::stable_sort(order.begin(), order.end(), [&](size_t a, size_t b) {
      const double da = depth(a), db = depth(b);
      if (da != db) return da < db;
      return instance(a) < instance(b);
    });
  } else if (all([](const DicomImageInfo& in) { return in.instance_number.has_value(); })) {
    std::stable_sort(order.begin(), order.end(),
                     [&](size_t a, size_t b) { return instance(a) < instance(b); });
  }
  std::vector<Plane> planes;
  for (size_t f : order) {
    for (int k = 0; k < files[f].info().frames; ++k) planes.push_back({f, k});
  }
  return planes;
}

// The slice indices the result is built from, in output order.
std::vector<int64_t> PickSlices(int64_t n, int num_slices) {
  HM_CHECK(num_slices >= 0, "DICOM: num_slices must be >= 0, got ", num_slices);
  if (num_slices > 0) return SampleSliceIndices(n, num_slices);
  std::vector<int64_t> all(static_cast<size_t>(n));
  for (int64_t i = 0; i < n; ++i) all[i] = i;
  return all;
}

Frames ColorFrames(std::vector<DicomFile>& files, const std::vector<Plane>& planes,
                   const DicomOptions& options) {
  const DicomImageInfo& first = files[0].info();
  HM_CHECK(options.axis == SliceAxis::kAxial, files[0].path(),
           ": colour DICOM data can only be read frame by frame (axis 2)");
  HM_CHECK(!options.window, files[0].path(), ": an intensity window needs grayscale data, this is ",
           first.photometric);
  Frames frames;
  frames.from_pil = true;
  const int64_t n = static_cast<int64_t>(planes.size());
  for (int64_t k : PickSlices(n, n == 1 ? 1 : options.num_slices)) {
    DicomFile& file = files[planes[k].file];
    frames.images.push_back(file.ColorImage(file.DecodeFrame(planes[k].frame)));
  }
  frames.merge_size = n > 1 ? 2 : 1;
  return frames;
}

}  // namespace

Frames LoadDicom(const std::string& path, const DicomOptions& options) {
  std::vector<DicomFile> files = OpenFiles(path);
  CheckSeries(path, files);
  const std::vector<Plane> planes = OrderPlanes(files);
  const DicomImageInfo& first = files[0].info();
  if (!first.monochrome()) return ColorFrames(files, planes, options);

  const int64_t n = static_cast<int64_t>(planes.size());
  const int a = static_cast<int>(options.axis);
  HM_CHECK(a >= 0 && a < 3, path, ": slice axis must be 0, 1 or 2");
  // Across slices only the sampled planes are decoded (each once, though indices may repeat);
  // other axes need them all.
  const bool across = options.axis == SliceAxis::kAxial;
  const std::vector<int64_t> picked =
      across ? PickSlices(n, n == 1 ? 1 : options.num_slices) : std::vector<int64_t>{};
  std::vector<int64_t> source = picked;
  if (!across) {
    source.resize(static_cast<size_t>(n));
    for (int64_t i = 0; i < n; ++i) source[i] = i;
  }

  // Window values live in rescaled units, so MONOCHROME1 is inverted after the window there;
  // min-max stretching is invariant to the offset, so plain negation inverts it.
  DicomWindow window{};
  if (options.window) {
    window = *options.window;
    if (window.from_file) {
      HM_CHECK(first.window.has_value(), files[0].path(),
               ": --window file: the file has no WindowWidth/WindowCenter");
      window = DicomWindow{(*first.window)[0], (*first.window)[1], false};
      HM_CHECK(window.width >= 1, files[0].path(), ": WindowWidth must be at least 1");
    }
  }
  const bool monochrome1 = first.photometric == "MONOCHROME1";
  const double sign = monochrome1 && !options.window ? -1.0 : 1.0;

  const int64_t plane_size = int64_t{first.rows} * first.columns;
  Volume volume;
  volume.shape = {first.rows, first.columns, static_cast<int64_t>(source.size())};
  volume.strides = {first.columns, 1, plane_size};
  volume.data.resize(static_cast<size_t>(plane_size) * source.size());
  std::map<int64_t, size_t> decoded;  // plane index -> slot already holding it
  for (size_t slot = 0; slot < source.size(); ++slot) {
    double* dst = volume.data.data() + slot * plane_size;
    if (auto it = decoded.find(source[slot]); it != decoded.end()) {
      std::copy_n(volume.data.data() + it->second * plane_size, plane_size, dst);
      continue;
    }
    const Plane& plane = planes[source[slot]];
    DicomFile& file = files[plane.file];
    const std::vector<double> stored = file.DecodeFrame(plane.frame);
    const double slope = file.info().slope, intercept = file.info().intercept;
    for (int64_t i = 0; i < plane_size; ++i) dst[i] = sign * (stored[i] * slope + intercept);
    decoded[source[slot]] = slot;
  }

  // Sampling as many slices as the axis holds is the identity (linspace(0, n-1, n)): that is
  // how the pre-picked planes and num_slices 0 ("every slice") pass through unchanged.
  const int64_t along = volume.shape[a];
  HM_CHECK(along <= kMaxSlices, path, ": ", along, " slices along the axis, more than ",
           kMaxSlices);
  const int count = static_cast<int>(across || options.num_slices == 0 ? along : options.num_slices);
  // The window maps through dicom_window.h; MONOCHROME1 is flipped after it, since this path
  // stores the volume un-negated.
  Frames frames =
      options.window
          ? MapSlices(volume, options.axis, PickSlices(along, count),
                      [&](const std::vector<double>& slice, uint8_t* gray) {
                        for (size_t p = 0; p < slice.size(); ++p) {
                          const uint8_t g = ApplyDicomWindow(slice[p], window);
                          gray[p] = monochrome1 ? static_cast<uint8_t>(255 - g) : g;
                        }
                      },
                      path.c_str())
          : SliceVolume(volume, options.axis, count, path.c_str());
  frames.merge_size = n > 1 ? 2 : 1;
  return frames;
}

}  // namespace hm
