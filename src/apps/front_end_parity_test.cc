// One request policy for every front end: the same question asked through `hulumed run` and
// through `hulumed serve`'s API keeps the same visual tokens and gives the same greedy ids.
// (They used to differ: the bf16 reduction rule existed only in `run`, single-slice DICOM was
// a video to `run` and an image to `serve`, and `run` sampled every video frame.)
#include <httplib.h>

#include <gtest/gtest.h>
#include <nlohmann/json.hpp>

#include <array>
#include <cstdio>
#include <filesystem>
#include <fstream>
#include <regex>
#include <sstream>

#include "apps/serve_process_testing.h"
#include "core/scratch_dir_testing.h"

namespace hm {
namespace {

namespace fs = std::filesystem;
using nlohmann::json;
const fs::path kTestdata = fs::path(HULUMED_SOURCE_DIR) / "testdata";

struct Answer {
  int64_t visual_tokens = -1;
  int64_t prompt_tokens = -1;
  std::vector<int32_t> ids;
};

// `hulumed run ARGS -v --print-ids`: ids from stdout, token counts from the -v lines.
Answer RunCli(const std::string& args) {
  const ScratchDir scratch;
  const fs::path err = scratch / "stderr.txt";
  const std::string cmd = std::string(HULUMED_BINARY) + " run " + args + " -v --print-ids --threads 2 2>" + err.string();
  FILE* pipe = popen(cmd.c_str(), "r");
  std::string out;
  std::array<char, 4096> buf;
  while (size_t n = fread(buf.data(), 1, buf.size(), pipe)) out.append(buf.data(), n);
  EXPECT_EQ(pclose(pipe), 0) << cmd;
  std::ifstream in(err);
  const std::string log{std::istreambuf_iterator<char>(in), {}};
  Answer a;
  std::smatch m;
  if (std::regex_search(log, m, std::regex("kept (\\d+) after reduction"))) a.visual_tokens = std::stoll(m[1]);
  if (std::regex_search(log, m, std::regex("prompt (\\d+) tokens"))) a.prompt_tokens = std::stoll(m[1]);
  const size_t at = out.rfind("\nids:");
  EXPECT_NE(at, std::string::npos) << out << log;
  std::istringstream ids(out.substr(at + 5));
  for (int32_t id; ids >> id;) a.ids.push_back(id);
  return a;
}

Answer AskApi(int port, const json& content, int max_tokens) {
  const json body = {{"messages", {{{"role", "user"}, {"content", content}}}},
                     {"max_tokens", max_tokens},
                     {"temperature", 0},
                     {"return_token_ids", true}};
  httplib::Client client("127.0.0.1", port);
  client.set_read_timeout(120, 0);
  const auto res = client.Post("/v1/chat/completions", body.dump(), "application/json");
  Answer a;
  EXPECT_TRUE(res);
  if (!res) return a;
  EXPECT_EQ(res->status, 200) << res->body;
  const json j = json::parse(res->body);
  a.visual_tokens = j["timings"]["visual_tokens"].get<int64_t>();
  a.prompt_tokens = j["usage"]["prompt_tokens"].get<int64_t>();
  a.ids = j["choices"][0]["token_ids"].get<std::vector<int32_t>>();
  return a;
}

void ExpectSame(Answer cli, const Answer& api) {
  // `run` prints the stop id it stopped at; the API leaves it out of the answer.
  if (cli.ids.size() == api.ids.size() + 1) cli.ids.pop_back();
  EXPECT_GT(api.visual_tokens, 0);
  EXPECT_EQ(cli.visual_tokens, api.visual_tokens);
  EXPECT_EQ(cli.prompt_tokens, api.prompt_tokens);
  EXPECT_FALSE(api.ids.empty());
  EXPECT_EQ(cli.ids, api.ids);
}

json Text(const std::string& text) { return {{"type", "text"}, {"text", text}}; }

TEST(FrontEndParity, Bf16CheckpointWithAVideo) {
  const std::string model = (kTestdata / "models" / "tiny-qwen2-bf16").string();
  const ServeProcess serve(model);
  ASSERT_GT(serve.port(), 0);
  for (const char* video : {"video/pattern.mp4", "video/bf16_edge"}) {
    SCOPED_TRACE(video);
    const Answer cli = RunCli("-m " + model + " -p 'What happens?' -n 6 --temp 0 --video " + (kTestdata / video).string());
    const Answer api =
        AskApi(serve.port(), {{{"type", "video_url"}, {"video_url", {{"url", video}}}}, Text("What happens?")}, 6);
    ExpectSame(cli, api);
  }
  // bf16_edge's changes score between 0.1 and bf16(0.1) (tools/reference/bf16_edge_frames.py):
  // the bf16 mask drops all 16 tokens of each frame but the first, an f32 mask keeps 33.
  const json folder = {{{"type", "video_url"}, {"video_url", {{"url", "video/bf16_edge"}}}}, Text("x")};
  EXPECT_EQ(AskApi(serve.port(), folder, 1).visual_tokens, 3);
}

TEST(FrontEndParity, SingleSliceDicomAndAVolume) {
  const std::string model = (kTestdata / "models" / "tiny-qwen2").string();
  const ServeProcess serve(model);
  ASSERT_GT(serve.port(), 0);
  {
    SCOPED_TRACE("single-slice DICOM");
    const Answer cli = RunCli("-m " + model + " -p 'Findings?' -n 4 --temp 0 --dicom " +
                              (kTestdata / "dicom" / "monochrome2.dcm").string());
    const Answer api = AskApi(
        serve.port(), {{{"type", "volume_url"}, {"volume_url", {{"url", "dicom/monochrome2.dcm"}}}}, Text("Findings?")}, 4);
    ExpectSame(cli, api);
  }
  {
    SCOPED_TRACE("NIfTI volume, axis by number on one side and by name on the other");
    const Answer cli = RunCli("-m " + model + " -p 'Findings?' -n 4 --temp 0 --axis 1 --slices 6 --volume " +
                              (kTestdata / "media" / "nifti" / "f32.nii.gz").string());
    const Answer api = AskApi(serve.port(),
                              {{{"type", "volume_url"},
                                {"volume_url", {{"url", "media/nifti/f32.nii.gz"}, {"slices", 6}, {"axis", "coronal"}}}},
                               Text("Findings?")},
                              4);
    ExpectSame(cli, api);
  }
}

// A Qwen3-based checkpoint with an image: the same template and image policy on both sides.
TEST(FrontEndParity, Qwen3WithAnImage) {
  const std::string model = (kTestdata / "models" / "tiny-qwen3").string();
  const ServeProcess serve(model);
  ASSERT_GT(serve.port(), 0);
  const Answer cli = RunCli("-m " + model + " -p 'What is it?' -n 4 --temp 0 --image " +
                            (kTestdata / "media" / "images" / "rgb.png").string());
  const json content = {{{"type", "image_url"}, {"image_url", {{"url", "media/images/rgb.png"}}}}, Text("What is it?")};
  ExpectSame(cli, AskApi(serve.port(), content, 4));
}

}  // namespace
}  // namespace hm
