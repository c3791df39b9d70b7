// The hulumed command as a user runs it: output formats of the verification interface,
// exit codes, and error messages for bad input.
#include <gtest/gtest.h>
#include <sys/wait.h>

#include <array>
#include <cstdio>
#include <filesystem>
#include <fstream>
#include <sstream>

#include "io/json_file.h"
#include "io/npy.h"

namespace hm {
namespace {

namespace fs = std::filesystem;
const fs::path kTestdata = fs::path(HULUMED_SOURCE_DIR) / "testdata";

struct Result {
  int status;
  std::string out;  // stdout and stderr together
};

Result Hulumed(const std::string& args) {
  const std::string cmd = std::string(HULUMED_BINARY) + " " + args + " 2>&1";
  FILE* pipe = popen(cmd.c_str(), "r");
  std::string out;
  std::array<char, 4096> buf;
  while (size_t n = fread(buf.data(), 1, buf.size(), pipe)) out.append(buf.data(), n);
  const int status = pclose(pipe);
  return {WIFEXITED(status) ? WEXITSTATUS(status) : -1, out};
}

std::string Join(const std::vector<int32_t>& ids, const char* sep) {
  std::string s;
  for (size_t i = 0; i < ids.size(); ++i) s += (i ? sep : "") + std::to_string(ids[i]);
  return s;
}

TEST(Cli, VerificationInterfaceReproducesGoldens) {
  for (const char* model : {"tiny-qwen2", "tiny-qwen3"}) {
    const fs::path golden_dir = kTestdata / "goldens" / model;
    const nlohmann::json golden = ReadJsonFile((golden_dir / "plain.json").string());
    const fs::path dump = fs::temp_directory_path() / "hm_cli_logits.npy";
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
    fs::remove(dump);
  }
}

TEST(Cli, CreateModelThenChat) {
  const fs::path dir = fs::temp_directory_path() / "hm_cli_demo";
  fs::remove_all(dir);
  ASSERT_EQ(Hulumed("create-model --preset tiny " + dir.string()).status, 0);
  const Result r = Hulumed("run -m " + dir.string() + " -p 'Describe the lesion.' -n 8 --seed 1 --temp 0.7");
  EXPECT_EQ(r.status, 0) << r.out;
  EXPECT_NE(r.out.find("UNTRAINED"), std::string::npos);
  EXPECT_NE(r.out.find("generated"), std::string::npos);
  fs::remove_all(dir);
}

TEST(Cli, BadInputGivesAClearErrorAndNonZeroExit) {
  const std::string tiny = (kTestdata / "models" / "tiny-qwen2").string();
  struct Case {
    std::string args;
    std::string message;
  };
  const fs::path broken = fs::temp_directory_path() / "hm_cli_broken";
  fs::remove_all(broken);
  fs::copy(tiny, broken);
  fs::resize_file(broken / "model.safetensors", fs::file_size(broken / "model.safetensors") / 2);
  const fs::path bad_json = fs::temp_directory_path() / "hm_cli_badjson";
  fs::remove_all(bad_json);
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
      {"create-model --preset 70b /tmp/x", "70b"},
  };
  for (const Case& c : cases) {
    const Result r = Hulumed(c.args);
    EXPECT_NE(r.status, 0) << c.args;
    EXPECT_NE(r.out.find(c.message), std::string::npos) << c.args << "\n" << r.out;
  }
  fs::remove_all(broken);
  fs::remove_all(bad_json);
}

}  // namespace
}  // namespace hm
