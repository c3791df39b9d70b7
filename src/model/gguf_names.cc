#include "model/gguf_names.h"

#include <cctype>
#include <vector>

namespace hm {
namespace {

struct NamePair {
  GgufPart part;
  const char* hf;    // "{}" stands for a layer number
  const char* gguf;
};

// One table for both directions. Suffixes (.weight / .bias) are carried over as they are.
const std::vector<NamePair>& Table() {
  static const std::vector<NamePair> t = {
      {GgufPart::kText, "model.embed_tokens", "token_embd"},
      {GgufPart::kText, "model.norm", "output_norm"},
      {GgufPart::kText, "lm_head", "output"},
      {GgufPart::kText, "model.layers.{}.input_layernorm", "blk.{}.attn_norm"},
      {GgufPart::kText, "model.layers.{}.self_attn.q_proj", "blk.{}.attn_q"},
      {GgufPart::kText, "model.layers.{}.self_attn.k_proj", "blk.{}.attn_k"},
      {GgufPart::kText, "model.layers.{}.self_attn.v_proj", "blk.{}.attn_v"},
      {GgufPart::kText, "model.layers.{}.self_attn.o_proj", "blk.{}.attn_output"},
      {GgufPart::kText, "model.layers.{}.self_attn.q_norm", "blk.{}.attn_q_norm"},
      {GgufPart::kText, "model.layers.{}.self_attn.k_norm", "blk.{}.attn_k_norm"},
      {GgufPart::kText, "model.layers.{}.post_attention_layernorm", "blk.{}.ffn_norm"},
      {GgufPart::kText, "model.layers.{}.mlp.gate_proj", "blk.{}.ffn_gate"},
      {GgufPart::kText, "model.layers.{}.mlp.up_proj", "blk.{}.ffn_up"},
      {GgufPart::kText, "model.layers.{}.mlp.down_proj", "blk.{}.ffn_down"},
      {GgufPart::kVision, "model.vision_encoder.embeddings.patch_embedding", "v.patch_embd"},
      {GgufPart::kVision, "model.vision_encoder.encoder.layers.{}.layer_norm1", "v.blk.{}.ln1"},
      {GgufPart::kVision, "model.vision_encoder.encoder.layers.{}.layer_norm2", "v.blk.{}.ln2"},
      {GgufPart::kVision, "model.vision_encoder.encoder.layers.{}.self_attn.q_proj", "v.blk.{}.attn_q"},
      {GgufPart::kVision, "model.vision_encoder.encoder.layers.{}.self_attn.k_proj", "v.blk.{}.attn_k"},
      {GgufPart::kVision, "model.vision_encoder.encoder.layers.{}.self_attn.v_proj", "v.blk.{}.attn_v"},
      {GgufPart::kVision, "model.vision_encoder.encoder.layers.{}.self_attn.out_proj", "v.blk.{}.attn_out"},
      {GgufPart::kVision, "model.vision_encoder.encoder.layers.{}.mlp.fc1", "v.blk.{}.ffn_up"},
      {GgufPart::kVision, "model.vision_encoder.encoder.layers.{}.mlp.fc2", "v.blk.{}.ffn_down"},
      {GgufPart::kVision, "model.vision_encoder.post_layernorm", "v.post_ln"},
      {GgufPart::kVision, "model.mm_projector.readout.{}", "mm.{}"},
      {GgufPart::kVision, "model.mm_projector", "mm.linear"},
  };
  return t;
}

// Matches `name` = pattern + ".weight"/".bias"; returns the layer number ("" if none) and suffix.
bool Match(const std::string& pattern, const std::string& name, std::string* number, std::string* suffix) {
  const size_t hole = pattern.find("{}");
  const std::string head = pattern.substr(0, hole);
  const std::string tail = hole == std::string::npos ? "" : pattern.substr(hole + 2);
  if (name.compare(0, head.size(), head) != 0) return false;
  size_t pos = head.size();
  number->clear();
  if (hole != std::string::npos) {
    while (pos < name.size() && std::isdigit(static_cast<unsigned char>(name[pos]))) *number += name[pos++];
    if (number->empty()) return false;
  }
  if (name.compare(pos, tail.size(), tail) != 0) return false;
  *suffix = name.substr(pos + tail.size());
  return *suffix == ".weight" || *suffix == ".bias";
}

std::string Fill(const std::string& pattern, const std::string& number, const std::string& suffix) {
  std::string out = pattern;
  if (const size_t hole = out.find("{}"); hole != std::string::npos) out.replace(hole, 2, number);
  return out + suffix;
}

}  // namespace

std::optional<GgufName> GgufNameOf(const std::string& hf_name) {
  const std::string nested = "model.vision_encoder.vision_encoder.";
  std::string name = hf_name;
  if (name.starts_with(nested)) name = "model.vision_encoder." + name.substr(nested.size());
  std::string number, suffix;
  for (const NamePair& p : Table())
    if (Match(p.hf, name, &number, &suffix)) return GgufName{p.part, Fill(p.gguf, number, suffix)};
  return std::nullopt;
}

std::optional<std::string> HfNameOf(GgufPart part, const std::string& gguf_name) {
  std::string number, suffix;
  for (const NamePair& p : Table())
    if (p.part == part && Match(p.gguf, gguf_name, &number, &suffix)) return Fill(p.hf, number, suffix);
  return std::nullopt;
}

}  // namespace hm
