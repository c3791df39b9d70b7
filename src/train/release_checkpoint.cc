#include "train/release_checkpoint.h"

#include <cmath>
#include <cstring>
#include <filesystem>
#include <vector>

#include "core/error.h"
#include "io/checkpoint_files.h"
#include "io/safetensors.h"
#include "kernels/kernels.h"
#include "train/durable_file.h"
#include "train/train_checkpoint.h"

namespace hm {
namespace {

namespace fs = std::filesystem;

bool IsFloat(DType t) { return t == DType::kF32 || t == DType::kBF16 || t == DType::kF16; }

// `t` in `dtype`, element by element; `name` for the overflow message.
void Convert(const TensorView& t, DType dtype, const std::string& name, std::span<uint8_t> out) {
  std::vector<float> f32(static_cast<size_t>(t.numel()));
  kernels::RowToF32({t.dtype, 1, t.numel(), t.data}, 0, f32.data());  // the tensor as one row
  for (int64_t i = 0; i < t.numel(); ++i) {
    const float v = f32[i];
    if (dtype == DType::kF32) {
      std::memcpy(out.data() + 4 * i, &v, 4);
      continue;
    }
    const uint16_t h = dtype == DType::kBF16 ? F32ToBF16(v) : F32ToF16(v);
    HM_CHECK(!std::isfinite(v) || std::isfinite(dtype == DType::kBF16 ? BF16ToF32(h) : F16ToF32(h)), name, "[", i,
             "] = ", v, " does not fit ", DTypeName(dtype));
    std::memcpy(out.data() + 2 * i, &h, 2);
  }
}

}  // namespace

int64_t WriteRelease(const ReleaseOptions& options) {
  HM_CHECK(IsFloat(options.dtype), "release: weights are written as F32, BF16 or F16, not ", DTypeName(options.dtype));
  const CheckpointFiles weights(options.checkpoint_dir);
  const fs::path out(options.out_dir);
  const fs::path temp = out.parent_path() / (".tmp-" + out.filename().string());
  std::error_code ec;
  fs::remove_all(temp, ec);
  fs::create_directories(temp);
  try {
    std::vector<TensorToWrite> tensors;
    int64_t bytes = 0;
    for (const std::string& name : weights.Names()) {
      const TensorView* t = weights.Find(name);
      const DType dtype = IsFloat(t->dtype) ? options.dtype : t->dtype;
      bytes += t->numel() * static_cast<int64_t>(DTypeSize(dtype));
      tensors.push_back({name, dtype, t->shape, [t, dtype, name](std::span<uint8_t> out) {
                           if (dtype == t->dtype) std::memcpy(out.data(), t->data, out.size());
                           else Convert(*t, dtype, name, out);
                         }});
    }
    const fs::path model = temp / "model.safetensors";
    WriteSafetensors(model.string(), tensors, {{"format", "pt"}});
    SyncPath(model.string());
    for (const fs::directory_entry& e : fs::directory_iterator(options.checkpoint_dir))
      if (e.is_regular_file() && IsModelDescription(e.path())) fs::copy_file(e.path(), temp / e.path().filename());
    for (const std::string& extra : options.extra_files) {
      HM_CHECK(fs::is_regular_file(extra), "release: ", extra, " is not a file");
      fs::copy_file(extra, temp / fs::path(extra).filename(), fs::copy_options::overwrite_existing);
    }
    SyncPath(temp.string());
    fs::remove_all(out);
    fs::rename(temp, out);
    SyncPath(out.parent_path().empty() ? "." : out.parent_path().string());
    return bytes;
  } catch (...) {
    fs::remove_all(temp, ec);
    throw;
  }
}

}  // namespace hm
