#include "model/gguf_checkpoint.h"

#include <filesystem>
#include <vector>

#include "core/error.h"
#include "model/gguf_names.h"

namespace hm {
namespace {

std::vector<std::filesystem::path> GgufFiles(const std::string& dir) {
  std::vector<std::filesystem::path> out;
  for (const auto& e : std::filesystem::directory_iterator(dir))
    if (e.is_regular_file() && e.path().extension() == ".gguf") out.push_back(e.path());
  return out;
}

bool IsMmproj(const std::filesystem::path& p) { return p.filename().string().starts_with("mmproj"); }

void AddPart(const GgufFile& f, GgufPart part, SourceTensors* out) {
  for (const GgufTensorInfo& t : f.header().tensors) {
    const auto hf = HfNameOf(part, t.name);
    HM_CHECK(hf, f.path(), ": unexpected tensor '", t.name, "' (not a Hulu-Med tensor name)");
    const GgmlLayout l = LayoutOf(t.type);
    (*out)[*hf] = SourceTensor{l.dtype, l.blocks, t.shape, f.Data(t), f.path()};
  }
}

}  // namespace

bool GgufCheckpoint::IsGgufDir(const std::string& dir) {
  return std::filesystem::is_directory(dir) && !GgufFiles(dir).empty();
}

GgufCheckpoint::GgufCheckpoint(const std::string& dir) {
  std::filesystem::path text, vision;
  for (const auto& p : GgufFiles(dir)) {
    std::filesystem::path& slot = IsMmproj(p) ? vision : text;
    HM_CHECK(slot.empty(), dir, ": both ", slot.filename().string(), " and ", p.filename().string(),
             " could be the ", IsMmproj(p) ? "mmproj" : "text", " GGUF; keep one");
    slot = p;
  }
  HM_CHECK(!text.empty(), dir, ": no text-decoder GGUF file (only an mmproj file)");
  text_ = std::make_unique<GgufFile>(text.string());
  if (!vision.empty()) vision_ = std::make_unique<GgufFile>(vision.string());
}

SourceTensors GgufCheckpoint::Tensors() const {
  SourceTensors out;
  AddPart(*text_, GgufPart::kText, &out);
  if (vision_) AddPart(*vision_, GgufPart::kVision, &out);
  return out;
}

}  // namespace hm
