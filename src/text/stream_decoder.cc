#include "text/stream_decoder.h"

#include "text/utf8.h"

namespace hm {

std::string StreamDecoder::Push(int32_t id) {
  if (skip_special_ && tokenizer_.IsSpecial(id)) return "";
  pending_ += tokenizer_.TokenBytes(id);
  size_t held = 0;
  std::string out = RepairUtf8(pending_, &held);
  pending_.erase(0, pending_.size() - held);
  return out;
}

std::string StreamDecoder::Flush() {
  std::string out = RepairUtf8(pending_);
  pending_.clear();
  return out;
}

}  // namespace hm
