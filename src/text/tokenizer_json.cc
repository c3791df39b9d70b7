#include "text/tokenizer_json.h"

#include "core/error.h"
#include "text/byte_level.h"
#include "text/pre_tokenizer.h"

namespace hm {
namespace {

using ojson = nlohmann::ordered_json;

ojson AddedTokenFlags(const AddedToken& t) {
  return {{"content", t.content},         {"lstrip", t.lstrip},   {"normalized", t.normalized},
          {"rstrip", t.rstrip},           {"single_word", t.single_word}, {"special", t.special}};
}

// What ByteLevel steps of Qwen2's tokenizer.json say: no prefix space, no regex of their own.
ojson ByteLevelStep() {
  return {{"type", "ByteLevel"}, {"add_prefix_space", false}, {"trim_offsets", false}, {"use_regex", false}};
}

}  // namespace

std::vector<AddedToken> HulumedAddedTokens(int32_t first_id) {
  const std::vector<std::pair<const char*, bool>> qwen25 = {
      {"<|endoftext|>", true},     {"<|im_start|>", true},     {"<|im_end|>", true},   {"<|object_ref_start|>", true},
      {"<|object_ref_end|>", true}, {"<|box_start|>", true},   {"<|box_end|>", true},  {"<|quad_start|>", true},
      {"<|quad_end|>", true},      {"<|vision_start|>", true}, {"<|vision_end|>", true}, {"<|vision_pad|>", true},
      {"<|image_pad|>", true},     {"<|video_pad|>", true},    {"<tool_call>", false}, {"</tool_call>", false},
      {"<|fim_prefix|>", false},   {"<|fim_middle|>", false},  {"<|fim_suffix|>", false}, {"<|fim_pad|>", false},
      {"<|repo_name|>", false},    {"<|file_sep|>", false},    {"<image>", true}};
  std::vector<AddedToken> added;
  for (const auto& [content, special] : qwen25)
    added.push_back({.content = content, .id = first_id + static_cast<int32_t>(added.size()), .special = special});
  return added;
}

nlohmann::ordered_json TokenizerJson(const std::vector<std::string>& tokens,
                                     const std::vector<std::pair<std::string, std::string>>& merges,
                                     const std::vector<AddedToken>& added) {
  ojson added_json = ojson::array();
  for (const AddedToken& t : added) {
    ojson entry = {{"id", t.id}};
    entry.update(AddedTokenFlags(t));
    added_json.push_back(std::move(entry));
  }
  ojson vocab = ojson::object();
  for (size_t id = 0; id < tokens.size(); ++id) {
    const auto [it, is_new] = vocab.emplace(BytesToByteLevel(tokens[id]), static_cast<int32_t>(id));
    HM_CHECK(is_new, "tokenizer vocabulary repeats a token at id ", id);
  }
  ojson merges_json = ojson::array();
  // Byte-level spellings have no space, so Qwen2's "left right" strings are unambiguous.
  for (const auto& [left, right] : merges) merges_json.push_back(BytesToByteLevel(left) + " " + BytesToByteLevel(right));
  ojson split = {{"type", "Split"},
                 {"pattern", {{"Regex", std::string(kQwenSplitPattern)}}},
                 {"behavior", "Isolated"},
                 {"invert", false}};
  return {{"version", "1.0"},
          {"truncation", nullptr},
          {"padding", nullptr},
          {"added_tokens", added_json},
          {"normalizer", {{"type", "NFC"}}},
          {"pre_tokenizer", {{"type", "Sequence"}, {"pretokenizers", {split, ByteLevelStep()}}}},
          {"post_processor", ByteLevelStep()},
          {"decoder", ByteLevelStep()},
          {"model",
           {{"type", "BPE"},
            {"dropout", nullptr},
            {"unk_token", nullptr},
            {"continuing_subword_prefix", ""},
            {"end_of_word_suffix", ""},
            {"fuse_unk", false},
            {"byte_fallback", false},
            {"ignore_merges", false},
            {"vocab", vocab},
            {"merges", merges_json}}}};
}

nlohmann::ordered_json TokenizerConfigJson(const std::vector<AddedToken>& added, int64_t model_max_length) {
  ojson decoder = ojson::object();
  ojson additional = ojson::array();
  for (const AddedToken& t : added) {
    decoder[std::to_string(t.id)] = AddedTokenFlags(t);
    if (t.special && t.content != "<|endoftext|>") additional.push_back(t.content);
  }
  return {{"add_bos_token", false},
          {"add_prefix_space", false},
          {"added_tokens_decoder", decoder},
          {"additional_special_tokens", additional},
          {"bos_token", nullptr},
          {"clean_up_tokenization_spaces", false},
          {"eos_token", "<|im_end|>"},
          {"errors", "replace"},
          {"model_max_length", model_max_length},
          {"pad_token", "<|endoftext|>"},
          {"split_special_tokens", false},
          {"tokenizer_class", "Qwen2Tokenizer"},
          {"unk_token", nullptr}};
}

}  // namespace hm
