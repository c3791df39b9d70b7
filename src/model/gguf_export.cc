#include "model/gguf_export.h"

#include <algorithm>
#include <cstring>
#include <filesystem>

#include "core/error.h"
#include "core/thread_pool.h"
#include "io/checkpoint_files.h"
#include "io/gguf.h"
#include "io/json_file.h"
#include "model/config.h"
#include "model/gguf_names.h"
#include "model/weights.h"
#include "text/chat_template.h"

namespace hm {
namespace {

namespace fs = std::filesystem;
using kernels::BlockType;

// llama.cpp's general.file_type values for an all-<type> file (Q4_K: its "Q4_K_S").
uint32_t FileType(BlockType t) {
  switch (t) {
    case BlockType::kQ8_0: return 7;
    case BlockType::kQ4_0: return 2;
    default: return 14;
  }
}

std::string LowerName(BlockType t) {
  std::string s = kernels::BlockTypeName(t);
  std::transform(s.begin(), s.end(), s.begin(), [](unsigned char c) { return std::tolower(c); });
  return s;
}

// The stored type of one tensor: 1-D parameters in f32 (every GGUF reader wants them so),
// matrices in the requested block format when their rows are whole blocks, Q8_0 when only
// 32-blocks fit (Q4_K needs 256), else the source dtype.
GgmlType ChooseType(const TensorView& t, BlockType want) {
  if (t.shape.size() == 1) return GgmlType::kF32;
  const int64_t cols = t.shape.back();
  if (t.shape.size() == 2) {
    if (cols % kernels::BlockValues(want) == 0) return GgmlTypeOf({DType::kU8, want});
    if (cols % 32 == 0) return GgmlType::kQ8_0;
  }
  return GgmlTypeOf({t.dtype});
}

void AddTokenizer(const std::string& dir, const nlohmann::json& config, int64_t vocab, GgufWriter& w) {
  const std::string path = (fs::path(dir) / "tokenizer.json").string();
  if (!fs::exists(path)) return;
  const nlohmann::json tok = ReadJsonFile(path);
  HM_CHECK(tok.contains("model") && tok["model"].contains("vocab") && tok["model"]["vocab"].is_object(), path,
           ": no model.vocab object");
  // tokenizer.ggml.token_type: 1 normal, 3 control, 4 user-defined, 5 unused (padding).
  std::vector<std::string> tokens(static_cast<size_t>(vocab));
  std::vector<int32_t> types(static_cast<size_t>(vocab), 5);
  for (int64_t i = 0; i < vocab; ++i) tokens[i] = "[PAD" + std::to_string(i) + "]";
  auto put = [&](const std::string& text, const nlohmann::json& id, int32_t type) {
    HM_CHECK(id.is_number_integer() && id.get<int64_t>() >= 0 && id.get<int64_t>() < vocab, path, ": token '",
             text, "' has id ", id.dump(), " outside the model's vocabulary of ", vocab);
    tokens[id.get<size_t>()] = text;
    types[id.get<size_t>()] = type;
  };
  for (const auto& [text, id] : tok["model"]["vocab"].items()) put(text, id, 1);
  if (const auto added = tok.find("added_tokens"); added != tok.end() && added->is_array())
    for (const auto& a : *added)
      put(a.value("content", ""), a.value("id", nlohmann::json()), a.value("special", false) ? 3 : 4);
  nlohmann::json merges = nlohmann::json::array();
  if (const auto m = tok["model"].find("merges"); m != tok["model"].end() && m->is_array())
    for (const auto& e : *m)  // "a b" strings, or [a, b] pairs in newer tokenizer.json files
      merges.push_back(e.is_array() && e.size() == 2 ? e[0].get<std::string>() + " " + e[1].get<std::string>()
                                                     : e.get<std::string>());
  w.Set("tokenizer.ggml.model", GgufKind::kString, "gpt2");
  w.Set("tokenizer.ggml.pre", GgufKind::kString, "qwen2");
  w.SetArray("tokenizer.ggml.tokens", GgufKind::kString, tokens);
  w.SetArray("tokenizer.ggml.token_type", GgufKind::kI32, types);
  w.SetArray("tokenizer.ggml.merges", GgufKind::kString, merges);
  for (const auto& [key, gguf_key] : {std::pair{"eos_token_id", "tokenizer.ggml.eos_token_id"},
                                      std::pair{"bos_token_id", "tokenizer.ggml.bos_token_id"},
                                      std::pair{"pad_token_id", "tokenizer.ggml.padding_token_id"}})
    if (config.contains(key) && config[key].is_number_unsigned())
      w.Set(gguf_key, GgufKind::kU32, config[key].get<uint32_t>());
  w.Set("tokenizer.ggml.add_bos_token", GgufKind::kBool, false);
  w.Set("tokenizer.chat_template", GgufKind::kString, FindChatTemplate(dir).text);
}

void AddTextMetadata(const std::string& dir, const ModelConfig& c, bool qk_norm, BlockType type, GgufWriter& w) {
  const LlmConfig& l = c.llm;
  const std::string arch = qk_norm ? "qwen3" : "qwen2";
  w.Set("general.architecture", GgufKind::kString, arch);
  w.Set("general.name", GgufKind::kString, fs::path(dir).lexically_normal().filename().string());
  w.Set("general.file_type", GgufKind::kU32, FileType(type));
  w.Set("general.quantization_version", GgufKind::kU32, 2);
  w.Set("general.alignment", GgufKind::kU32, 32);
  w.Set(arch + ".context_length", GgufKind::kU32, l.max_positions);
  w.Set(arch + ".embedding_length", GgufKind::kU32, l.hidden);
  w.Set(arch + ".block_count", GgufKind::kU32, l.n_layers);
  w.Set(arch + ".feed_forward_length", GgufKind::kU32, l.intermediate);
  w.Set(arch + ".attention.head_count", GgufKind::kU32, l.n_heads);
  w.Set(arch + ".attention.head_count_kv", GgufKind::kU32, l.n_kv_heads);
  w.Set(arch + ".rope.freq_base", GgufKind::kF32, l.rope_theta);
  w.Set(arch + ".attention.layer_norm_rms_epsilon", GgufKind::kF32, l.rms_eps);
  if (qk_norm) {
    w.Set(arch + ".attention.key_length", GgufKind::kU32, l.head_dim);
    w.Set(arch + ".attention.value_length", GgufKind::kU32, l.head_dim);
  }
  const nlohmann::json raw = ReadJsonFile((fs::path(dir) / "config.json").string());
  AddTokenizer(dir, raw, l.vocab, w);
}

void AddVisionMetadata(const ModelConfig& c, BlockType type, GgufWriter& w) {
  const VisionConfig& v = *c.vision;
  const std::string a = "hulumed_vision";
  w.Set("general.architecture", GgufKind::kString, a);
  w.Set("general.file_type", GgufKind::kU32, FileType(type));
  w.Set("general.alignment", GgufKind::kU32, 32);
  w.Set(a + ".embedding_length", GgufKind::kU32, v.hidden);
  w.Set(a + ".feed_forward_length", GgufKind::kU32, v.intermediate);
  w.Set(a + ".block_count", GgufKind::kU32, v.n_layers);
  w.Set(a + ".attention.head_count", GgufKind::kU32, v.n_heads);
  w.Set(a + ".attention.layer_norm_epsilon", GgufKind::kF32, v.layer_norm_eps);
  w.Set(a + ".patch_size", GgufKind::kU32, v.patch_size);
  w.Set(a + ".num_channels", GgufKind::kU32, v.n_channels);
  w.Set(a + ".projector_type", GgufKind::kString, c.projector_type);
  w.Set(a + ".projector.embedding_length", GgufKind::kU32, c.llm.hidden);
}

}  // namespace

BlockType ParseQuantType(const std::string& name) {
  for (BlockType t : {BlockType::kQ8_0, BlockType::kQ4_0, BlockType::kQ4_K})
    if (name == LowerName(t)) return t;
  Fail("unknown quantization type '", name, "' (expected q8_0, q4_0 or q4_k)");
}

QuantizeReport QuantizeCheckpoint(const std::string& in_dir, const std::string& out_dir,
                                  const QuantizeOptions& options) {
  const ModelConfig config = LoadModelConfig(in_dir);
  const CheckpointFiles files(in_dir);
  BindWeights(files, config);  // validates every tensor before hours of writing
  HM_CHECK(fs::absolute(in_dir).lexically_normal() != fs::absolute(out_dir).lexically_normal(), out_dir,
           ": the output directory must differ from the input");
  fs::create_directories(out_dir);
  ThreadPool pool(options.threads);

  GgufWriter text, vision;
  QuantizeReport report;
  bool qk_norm = false;
  for (const std::string& name : files.Names()) {
    const auto gguf = GgufNameOf(name);
    HM_CHECK(gguf, files.FileOf(name), ": tensor '", name, "' has no GGUF name");
    qk_norm |= name.ends_with(".q_norm.weight");
    const TensorView& t = *files.Find(name);
    const GgmlType type = ChooseType(t, gguf->part == GgufPart::kText ? options.text : options.vision);
    const GgmlLayout layout = LayoutOf(type);
    (layout.blocks != BlockType::kNone ? report.quantized : report.kept)++;
    (gguf->part == GgufPart::kText ? text : vision)
        .AddTensor(gguf->name, type, t.shape, [t, layout, &pool](std::span<uint8_t> out) {
          const int64_t cols = t.shape.back(), rows = t.numel() / cols;
          if (layout.blocks == BlockType::kNone && layout.dtype == t.dtype) {
            std::memcpy(out.data(), t.data, out.size());
            return;
          }
          const kernels::Matrix src{t.dtype, rows, cols, t.data};
          const size_t row_bytes = layout.blocks != BlockType::kNone ? kernels::RowBytes(layout.blocks, cols)
                                                                     : cols * DTypeSize(layout.dtype);
          pool.ParallelFor(rows, 16, [&](int64_t r0, int64_t r1) {
            std::vector<float> row(static_cast<size_t>(cols));
            for (int64_t r = r0; r < r1; ++r) {
              kernels::RowToF32(src, r, row.data());
              uint8_t* dst = out.data() + r * row_bytes;
              if (layout.blocks != BlockType::kNone)
                kernels::QuantizeRow(layout.blocks, row.data(), cols, dst);
              else  // only f32 is produced from another dtype (1-D parameters)
                std::memcpy(dst, row.data(), row_bytes);
            }
          });
        });
  }
  AddTextMetadata(in_dir, config, qk_norm, options.text, text);
  const std::string stem = "model-" + LowerName(options.text);
  report.text_file = (fs::path(out_dir) / (stem + ".gguf")).string();
  text.Write(report.text_file);
  report.text_bytes = fs::file_size(report.text_file);
  if (config.vision) {
    AddVisionMetadata(config, options.vision, vision);
    report.vision_file = (fs::path(out_dir) / ("mmproj-" + stem + "-vision-" + LowerName(options.vision) + ".gguf")).string();
    vision.Write(report.vision_file);
    report.vision_bytes = fs::file_size(report.vision_file);
  }
  // Config, tokenizer, templates, preprocessing: everything but the safetensors weights.
  for (const auto& e : fs::directory_iterator(in_dir)) {
    const std::string fname = e.path().filename().string();
    if (!e.is_regular_file() || fname.ends_with(".safetensors") || fname.ends_with(".safetensors.index.json") ||
        fname.ends_with(".gguf"))
      continue;
    fs::copy_file(e.path(), fs::path(out_dir) / fname, fs::copy_options::overwrite_existing);
  }
  return report;
}

}  // namespace hm
