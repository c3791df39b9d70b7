// The hulumed command as a user runs it: output formats of the verification interface,
// exit codes, and error messages for bad input.
#include <gtest/gtest.h>
#include <sys/wait.h>

#include <algorithm>
#include <array>
#include <cstdio>
#include <filesystem>
#include <fstream>
#include <map>
#include <sstream>

#include "io/checkpoint_files.h"
#include "apps/cli_testing.h"
#include "core/scratch_dir_testing.h"
#include "io/json_file.h"
#include "io/npy.h"
#include "io/safetensors.h"

namespace hm {
namespace {

namespace fs = std::filesystem;
const fs::path kTestdata = fs::path(HULUMED_SOURCE_DIR) / "testdata";

std::string Join(const std::vector<int32_t>& ids, const char* sep) {
  std::string s;
  for (size_t i = 0; i < ids.size(); ++i) s += (i ? sep : "") + std::to_string(ids[i]);
  return s;
}

TEST(Cli, VerificationInterfaceReproducesGoldens) {
  for (const char* model : {"tiny-qwen2", "tiny-qwen3"}) {
    const fs::path golden_dir = kTestdata / "goldens" / model;
    const nlohmann::json golden = ReadJsonFile((golden_dir / "plain.json").string());
    ScratchDir scratch;
    const fs::path dump = scratch / "logits.npy";
    const Result r = Hulumed("run -m " + (kTestdata / "models" / model).string() + " --prompt-ids " +
                             Join(golden["prompt_ids"].get<std::vector<int32_t>>(), ",") +
                             " --temp 0 -n " + std::to_string(golden["n_new"].get<int>()) +
                             " --print-ids --threads 2 --dump-logits " + dump.string());
    ASSERT_EQ(r.status, 0) << r.out;
    EXPECT_NE(r.out.find("\nids: " + Join(golden["greedy_ids"].get<std::vector<int32_t>>(), " ") + "\n"),
              std::string::npos)
        << r.out;
    const NpyArray ours = ReadNpy(dump.string());
    const NpyArray ref = ReadNpy((golden_dir / "plain.logits.npy").string());
    ASSERT_EQ(ours.shape, ref.shape);
    const std::vector<float> a = ours.ToF32(), b = ref.ToF32();
    for (size_t i = 0; i < a.size(); ++i) ASSERT_NEAR(a[i], b[i], 1e-4) << i;
  }
}

// The e2e volume golden (tools/reference/e2e_goldens.py) through the product path: a NIfTI
// file on the command line, reduction on with the reference's bf16 mask and off.
TEST(Cli, VolumeE2eGoldenThroughRun) {
  const fs::path dir = kTestdata / "goldens" / "tiny-qwen2" / "e2e";
  const nlohmann::json g = ReadJsonFile((dir / "volume.json").string());
  const nlohmann::json& item = g["items"][0];
  ScratchDir scratch;
  const fs::path dump = scratch / "logits.npy";
  for (const auto& run : g["runs"]) {
    const Result r = Hulumed(
        "run -m " + (kTestdata / "models" / "tiny-qwen2").string() + " --prompt-ids " +
        Join(g["prompt_ids"].get<std::vector<int32_t>>(), ",") + " --volume " +
        (fs::path(HULUMED_SOURCE_DIR) / item["file"].get<std::string>()).string() + " --slices " +
        std::to_string(item["options"]["slices"].get<int>()) + " --reduction-precision " +
        run["mask_mode"].get<std::string>() + (run["token_reduction"] ? "" : " --no-token-reduction") +
        " --temp 0 -n " + std::to_string(g["n_new"].get<int>()) + " --print-ids --dump-logits " + dump.string());
    ASSERT_EQ(r.status, 0) << r.out;
    EXPECT_NE(r.out.find("\nids: " + Join(run["greedy_ids"].get<std::vector<int32_t>>(), " ") + "\n"),
              std::string::npos) << r.out;
    const NpyArray logits = ReadNpy(dump.string());
    ASSERT_EQ(logits.shape[0], static_cast<int64_t>(run["input_ids"].size()));
    // The golden keeps the last logit_tail positions.
    const std::vector<float> ours = logits.ToF32();
    const std::vector<float> ref = ReadNpy((dir / run["logits"]["file"].get<std::string>()).string()).ToF32();
    ASSERT_LE(ref.size(), ours.size());
    for (size_t i = 0; i < ref.size(); ++i) ASSERT_NEAR(ours[ours.size() - ref.size() + i], ref[i], 1e-4) << i;
    fs::remove(dump);  // the next run must write its own
  }
}

TEST(Cli, CreateModelThenChat) {
  ScratchDir scratch;
  const fs::path dir = scratch / "model";
  ASSERT_EQ(Hulumed("create-model --preset tiny " + dir.string()).status, 0);
  const Result r = Hulumed("run -m " + dir.string() + " -p 'Describe the lesion.' -n 8 --seed 1 --temp 0.7");
  EXPECT_EQ(r.status, 0) << r.out;
  EXPECT_NE(r.out.find("UNTRAINED"), std::string::npos);
  EXPECT_NE(r.out.find("generated"), std::string::npos);
}

// Without -m, `run` asks the demo model shipped in models/hulumed-demo: it says what it knows,
// and answers the README's question about a shipped phantom study (made with a seed training
// never used) as its ground truth has it. HULUMED_MODEL picks another model; a missing one is named.
TEST(Cli, TheShippedDemoModelIsTheDefault) {
  const std::string study = std::string(HULUMED_SOURCE_DIR) + "/examples/phantoms-9100/study_0001/mr.nii.gz";
  const Result r = Hulumed("run --volume " + study + " --slices 32 -p 'Which modality was used?' -n 8 --temp 0");
  EXPECT_EQ(r.status, 0) << r.out;
  EXPECT_NE(r.out.find("knows only"), std::string::npos) << r.out;
  EXPECT_EQ(r.out.find("UNTRAINED"), std::string::npos) << r.out;
  EXPECT_NE(r.out.find("MRI"), std::string::npos) << r.out;  // studies.jsonl: "modality": "MRI"

  const std::string tiny = (kTestdata / "models" / "tiny-qwen2").string();
  const Result other = RunShell("HULUMED_MODEL=" + tiny + " " HULUMED_BINARY " run -p hi -n 2");
  EXPECT_EQ(other.status, 0) << other.out;
  EXPECT_NE(other.out.find("UNTRAINED"), std::string::npos) << other.out;
  const Result missing = RunShell("HULUMED_MODEL=/nonexistent " HULUMED_BINARY " run -p hi -n 2");
  EXPECT_EQ(missing.status, 1);
  EXPECT_NE(missing.out.find("no model at /nonexistent (HULUMED_MODEL)"), std::string::npos) << missing.out;
}

TEST(Cli, EveryModalityRunsAndReportsTokenReduction) {
  const std::string tiny = (kTestdata / "models" / "tiny-qwen2").string();
  const fs::path media = kTestdata / "media";
  const std::vector<std::string> inputs = {
      "--image " + (media / "images" / "gray.jpg").string() + " --image " + (media / "images" / "palette.png").string(),
      "--volume " + (media / "nifti" / "i16_scaled.nii").string() + " --slices 8",
      "--dicom " + (kTestdata / "dicom" / "series").string(),
      "--video " + (kTestdata / "video" / "pattern.mp4").string() + " --fps 4 --max-frames 6",
      "--video " + (kTestdata / "dicom" / "cine_us.dcm").string(),  // a DICOM cine loop
  };
  for (const std::string& in : inputs) {
    const Result r = Hulumed("run -m " + tiny + " -p 'Findings?' -n 2 -v " + in);
    EXPECT_EQ(r.status, 0) << in << "\n" << r.out;
    EXPECT_NE(r.out.find("visual tokens"), std::string::npos) << in << "\n" << r.out;
  }
  // Reduction on (default for this config) drops tokens of a slowly changing volume; off keeps all.
  const std::string volume = "--volume " + (media / "nifti" / "i16_scaled.nii").string() + " --slices 8";
  const Result on = Hulumed("run -m " + tiny + " -p x -n 1 -v " + volume);
  const Result off = Hulumed("run -m " + tiny + " -p x -n 1 -v --no-token-reduction " + volume);
  EXPECT_NE(off.out.find("visual tokens 160, kept 160"), std::string::npos) << off.out;
  EXPECT_EQ(on.out.find("kept 160"), std::string::npos) << on.out;
}

TEST(Cli, BadInputGivesAClearErrorAndNonZeroExit) {
  const std::string tiny = (kTestdata / "models" / "tiny-qwen2").string();
  struct Case {
    std::string args;
    std::string message;
  };
  ScratchDir scratch;
  const fs::path broken = scratch / "broken";
  fs::copy(tiny, broken);
  fs::resize_file(broken / "model.safetensors", fs::file_size(broken / "model.safetensors") / 2);
  const fs::path bad_json = scratch / "bad_json";
  fs::copy(tiny, bad_json);
  std::ofstream(bad_json / "config.json") << "{\"model_type\": \"hulumed_qwen2\", ";

  const std::vector<Case> cases = {
      {"run -m " + tiny + " --prompt-ids 1,x", "'x' is not a token id"},
      {"run -m " + tiny + " --prompt-ids 99999", "outside the vocabulary"},
      {"run -m " + tiny + " --prompt-ids 1 -p hi", "exactly one of"},
      {"run -m " + tiny + " --prompt-ids 1,2,3 --ctx 2", "does not fit the context"},
      {"run -m " + broken.string() + " --prompt-ids 1", "model.safetensors"},
      {"run -m " + bad_json.string() + " --prompt-ids 1", "config.json: invalid JSON"},
      {"run -m /no/such/dir --prompt-ids 1", "does not exist"},
      {"create-model --preset 70b " + (scratch / "x").string(), "70b"},
      {"run -m " + tiny + " -p hi --image " + tiny + "/config.json", "not a PNG or JPEG"},
      {"run -m " + tiny + " -p hi --volume " + tiny + "/config.json", "config.json"},
      {"run -m " + tiny + " -p hi --video " + (kTestdata / "video" / "truncated.mp4").string(), "truncated.mp4"},
      {"run -m " + tiny + " -p hi --volume " + (kTestdata / "media" / "nifti" / "i32.nii").string() + " --slices 0",
       "slices"},
      {"run -m " + tiny + " -p hi --volume " + (kTestdata / "media" / "nifti" / "i32.nii").string() + " --axis up",
       "--axis"},
      {"run -m " + tiny + " --prompt-ids 1,2 --image " + (kTestdata / "media" / "images" / "gray.png").string(),
       "placeholders"},
  };
  for (const Case& c : cases) {
    const Result r = Hulumed(c.args);
    EXPECT_NE(r.status, 0) << c.args;
    EXPECT_NE(r.out.find(c.message), std::string::npos) << c.args << "\n" << r.out;
  }
}

// A checkpoint laid out like the Qwen3-based Hulu-Med ones: tokenizer_config.json carries
// Qwen3's official template, which fails on list content ("startswith" on a list). Hulu-Med's
// processor never uses it, so `template` and `run` with media behave as without it.
TEST(Cli, TokenizerConfigTemplateIsNotThePromptTemplate) {
  const fs::path tiny = kTestdata / "models" / "tiny-qwen2";
  ScratchDir scratch;
  const fs::path dir = scratch / "model";
  fs::copy(tiny, dir);
  std::ifstream qwen3(kTestdata / "text" / "chat_templates" / "qwen3.jinja");
  std::stringstream qwen3_template;
  qwen3_template << qwen3.rdbuf();
  nlohmann::json tokenizer_config = ReadJsonFile((tiny / "tokenizer_config.json").string());
  tokenizer_config["chat_template"] = qwen3_template.str();
  std::ofstream(dir / "tokenizer_config.json") << tokenizer_config.dump();

  std::ofstream(dir / "messages.json")
      << R"([{"role": "user", "content": [{"type": "image"}, {"type": "video", "num_frames": 2}, {"type": "text", "text": "Findings?"}]}])";
  const Result rendered = Hulumed("template -m " + dir.string() + " --messages " + (dir / "messages.json").string() +
                                  " --add-generation-prompt");
  EXPECT_EQ(rendered.status, 0) << rendered.out;
  EXPECT_EQ(rendered.out, "<|im_start|>user\n<image>\n<image>,<image>\nFindings?<|im_end|>\n<|im_start|>assistant\n");

  const fs::path media = kTestdata / "media";
  for (const std::string& in : {"--image " + (media / "images" / "gray.jpg").string(),
                                "--video " + (kTestdata / "video" / "pattern.mp4").string() + " --fps 2 --max-frames 3"}) {
    const std::string args = " -p 'Findings?' -n 3 --temp 0 --print-ids " + in;
    const Result with_qwen3 = Hulumed("run -m " + dir.string() + args);
    const Result plain = Hulumed("run -m " + tiny.string() + args);
    EXPECT_EQ(with_qwen3.status, 0) << in << "\n" << with_qwen3.out;
    // The same greedy ids (the untrained-model note names the directory, so compare ids only).
    const auto ids = [](const std::string& out) { return out.substr(std::min(out.find("ids:"), out.size())); };
    EXPECT_NE(ids(plain.out), "") << plain.out;
    EXPECT_EQ(ids(with_qwen3.out), ids(plain.out)) << in;
  }
}

// bench repeats prefill and decode and reports each figure as median with its range.
TEST(Cli, BenchReportsMedianAndRangeOverRounds) {
  const Result r = Hulumed("bench -m " + (kTestdata / "models" / "tiny-qwen2").string() +
                           " -p 16 -n 16 -r 3 --video-frames 0 --image-size 56 --threads 2");
  ASSERT_EQ(r.status, 0) << r.out;
  const size_t line = r.out.find("\nbench: ");
  ASSERT_NE(line, std::string::npos) << r.out;
  std::map<std::string, double> figures;
  std::istringstream fields(r.out.substr(line + 8, r.out.find('\n', line + 1) - line - 8));
  for (std::string field; fields >> field;) {
    const size_t eq = field.find('=');
    figures[field.substr(0, eq)] = std::stod(field.substr(eq + 1));
  }
  EXPECT_EQ(figures["rounds"], 3);
  for (const char* name : {"decode_tok_s", "prefill_tok_s", "bandwidth_gbs"}) {
    const std::string n = name;
    EXPECT_GT(figures[n + "_min"], 0) << n;
    EXPECT_LE(figures[n + "_min"], figures[n]) << n;
    EXPECT_LE(figures[n], figures[n + "_max"]) << n;
  }
  for (int round = 1; round <= 3; ++round)
    EXPECT_NE(r.out.find("round " + std::to_string(round) + "/3:"), std::string::npos) << r.out;
}

// train grad writes the batch loss and every parameter's gradient under the checkpoint's
// names; the values are those of PyTorch autograd (testdata/goldens/<model>/train).
TEST(Cli, TrainGradWritesLossAndEveryGradientUnderCheckpointNames) {
  const fs::path model = kTestdata / "models" / "tiny-qwen3";
  const fs::path golden = kTestdata / "goldens" / "tiny-qwen3" / "train";
  ScratchDir scratch;
  const fs::path out = scratch / "grads.safetensors";
  const Result r = Hulumed("train grad -m " + model.string() + " --data " +
                           (kTestdata / "train" / "grad_text.jsonl").string() + " --out " + out.string() +
                           " --threads 2");
  ASSERT_EQ(r.status, 0) << r.out;
  const SafetensorsFile grads(out.string());
  const SafetensorsFile want(golden.string() + "/grad_text.safetensors");
  const nlohmann::json expected = ReadJsonFile((golden / "grad_text.json").string());
  std::map<std::string, TensorView> ours;
  for (const SafetensorsEntry& e : grads.header().tensors) {
    EXPECT_EQ(e.dtype, DType::kF32) << e.name;
    ours[e.name] = grads.View(e);
  }
  std::vector<std::string> names = CheckpointFiles(model.string()).Names();
  names.push_back("loss");
  std::sort(names.begin(), names.end());
  std::vector<std::string> written;
  for (const auto& [name, view] : ours) written.push_back(name);
  EXPECT_EQ(written, names);
  const double largest = expected["largest_gradient"].get<double>();
  for (const SafetensorsEntry& e : want.header().tensors) {
    const TensorView w = want.View(e);
    ASSERT_TRUE(ours.count(e.name)) << e.name;
    ASSERT_EQ(ours[e.name].shape, w.shape) << e.name;
    const float* a = static_cast<const float*>(ours[e.name].data);
    const float* b = static_cast<const float*>(w.data);
    for (int64_t i = 0; i < w.numel(); ++i) ASSERT_NEAR(a[i], b[i], 1e-4 * largest) << e.name << "[" << i << "]";
  }
  fs::remove(out);

  const fs::path bad = scratch / "bad_turn.jsonl";
  std::ofstream(bad) << "{\"conversations\": [{\"from\": \"human\", \"value\": \"hi\"}, {\"from\": \"gpt\", \"value\": \"yo\"}]}\n"
                     << "{\"conversations\": [{\"from\": \"robot\", \"value\": \"hi\"}]}\n";
  const Result e = Hulumed("train grad -m " + model.string() + " --data " + bad.string() + " --out " + out.string());
  EXPECT_EQ(e.status, 1);
  EXPECT_NE(e.out.find(bad.string() + ":2: unknown role \"robot\""), std::string::npos) << e.out;
}

// eval score on the MedUniEval goldens: one verdict line per input, in order, with the
// golden's correctness or error; a bad line is an error naming file and line.
TEST(Cli, EvalScoreMatchesMedUniEvalGoldens) {
  ScratchDir scratch;
  const fs::path dir = scratch.path();
  std::vector<nlohmann::json> expected;
  {
    std::ofstream results(dir / "results.jsonl");
    for (const char* family : {"multi_choice", "vqa", "3d", "report", "mmmu"}) {
      std::ifstream golden(kTestdata / "eval" / (std::string(family) + ".jsonl"));
      for (std::string line; std::getline(golden, line);) {
        nlohmann::json j = nlohmann::json::parse(line);
        expected.push_back(j["expected"]);
        j.erase("expected");
        j.erase("expected_fixed");
        results << j.dump() << '\n';
      }
    }
  }
  const Result r = Hulumed("eval score --results " + (dir / "results.jsonl").string() + " --out " +
                           (dir / "out").string() + " --scoring compat");
  ASSERT_EQ(r.status, 0) << r.out;
  std::ifstream scored(dir / "out" / "scored.jsonl");
  size_t n = 0;
  for (std::string line; std::getline(scored, line); ++n) {
    ASSERT_LT(n, expected.size());
    const nlohmann::json verdict = nlohmann::json::parse(line)["verdict"];
    if (expected[n].contains("error")) {
      EXPECT_EQ(verdict["error"], expected[n]["error"]) << line;
    } else {
      EXPECT_EQ(verdict["correct"], expected[n]["correct"]) << line;
      EXPECT_EQ(verdict["scores"].size(), expected[n]["scores"].size()) << line;
    }
  }
  EXPECT_EQ(n, expected.size());
  const nlohmann::json metrics = ReadJsonFile((dir / "out" / "metrics.json").string());
  EXPECT_EQ(metrics["kinds"].size(), 9u) << metrics.dump();

  std::ofstream(dir / "bad.jsonl") << "{\"kind\": \"multi_choice\", \"answer\": \"A\", \"response\": \"A\"}\n"
                                   << "{\"kind\": \"essay\", \"answer\": \"A\", \"response\": \"A\"}\n";
  const Result bad = Hulumed("eval score --results " + (dir / "bad.jsonl").string() + " --out " + (dir / "bad").string());
  EXPECT_NE(bad.status, 0);
  EXPECT_NE(bad.out.find("bad.jsonl:2: unknown kind \"essay\""), std::string::npos) << bad.out;
}

}  // namespace
}  // namespace hm

namespace hm {
namespace {

// `lora merge` of `adapter` into `base` (its report holding `merge_report`), then `run` on the
// merged folder, gives the ids `run --lora` gives, and they differ from the plain base's.
void ExpectMergeRunsAsTheSidePath(const std::string& base, const std::string& adapter, const std::string& prompt,
                                  const fs::path& merged_dir, const std::string& merge_report) {
  const Result r = Hulumed("lora merge -m " + base + " --lora " + adapter + " --out " + merged_dir.string());
  ASSERT_EQ(r.status, 0) << r.out;
  EXPECT_NE(r.out.find(merge_report), std::string::npos) << r.out;
  const Result side = Hulumed("run -m " + base + " --lora " + adapter + prompt);
  const Result merged = Hulumed("run -m " + merged_dir.string() + prompt);
  const Result plain = Hulumed("run -m " + base + prompt);
  ASSERT_EQ(side.status, 0) << side.out;
  ASSERT_EQ(merged.status, 0) << merged.out;
  auto ids = [](const std::string& out) { return out.substr(out.find("ids:")); };
  EXPECT_EQ(ids(side.out), ids(merged.out));
  EXPECT_NE(ids(side.out), ids(plain.out));
}

// The same on an image prompt with vision-tower adapters and a projector saved in full
// (the lora_vision golden).
TEST(Cli, LoraVisionAdapterMergeRunsAsTheSidePath) {
  ScratchDir scratch;
  const fs::path dir = scratch.path();
  const std::string prompt =
      " --image " + (kTestdata / "media/images/rgb.png").string() + " -p 'What is this?' --temp 0 -n 12 --print-ids";
  ExpectMergeRunsAsTheSidePath((kTestdata / "models/tiny-qwen2").string(),
                               (kTestdata / "goldens/tiny-qwen2/train/lora_vision").string(), prompt, dir / "merged",
                               "14 tensors merged with the adapter, 4 replaced by its projector");
}

// A text prompt with decoder adapters; a GGUF base takes --lora but is not merged; a folder
// that is no adapter is named.
TEST(Cli, LoraMergeRunsAsTheSidePathAndBadInputIsNamed) {
  ScratchDir scratch;
  const fs::path dir = scratch.path();
  const std::string base = (kTestdata / "models/tiny-qwen2").string();
  const std::string adapter = (kTestdata / "goldens/tiny-qwen2/train/lora").string();
  const std::string prompt = " --prompt-ids 5,17,99,3,250 --temp 0 -n 12 --print-ids";
  ExpectMergeRunsAsTheSidePath(base, adapter, prompt, dir / "merged", "14 tensors merged");

  ASSERT_EQ(Hulumed("quantize " + base + " " + (dir / "q8").string() + " --type q8_0").status, 0);
  Result r = Hulumed("run -m " + (dir / "q8").string() + " --lora " + adapter + prompt);
  EXPECT_EQ(r.status, 0) << r.out;
  r = Hulumed("lora merge -m " + (dir / "q8").string() + " --lora " + adapter + " --out " + (dir / "m2").string());
  EXPECT_EQ(r.status, 1);
  EXPECT_NE(r.out.find("a quantized (GGUF) base cannot be merged"), std::string::npos) << r.out;
  r = Hulumed("run -m " + base + " --lora " + base + prompt);
  EXPECT_EQ(r.status, 1);
  EXPECT_NE(r.out.find("not a LoRA adapter (no adapter_config.json)"), std::string::npos) << r.out;
}

}  // namespace
}  // namespace hm
