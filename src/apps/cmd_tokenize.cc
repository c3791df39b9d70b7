// hulumed tokenize: the checkpoint's tokenizer on text or JSON lines, for checking ids
// against other implementations.
#include <cstdio>
#include <fstream>
#include <iostream>
#include <nlohmann/json.hpp>

#include "apps/commands.h"
#include "core/error.h"
#include "text/tokenizer.h"

namespace hm {
namespace {

struct TokenizeOptions {
  std::string model_dir, text, jsonl;
  bool decode = false;
};

void RunTokenize(const TokenizeOptions& o) {
  HM_CHECK(o.text.empty() != o.jsonl.empty(), "tokenize: give exactly one of --text and --jsonl");
  HM_CHECK(!o.decode || !o.jsonl.empty(), "tokenize: --decode reads ids from --jsonl");
  const Tokenizer tok = Tokenizer::FromDir(o.model_dir);
  if (!o.text.empty()) {
    std::string line;
    for (int32_t id : tok.Encode(o.text)) line += (line.empty() ? "" : " ") + std::to_string(id);
    std::printf("%s\n", line.c_str());
    return;
  }
  std::ifstream in(o.jsonl, std::ios::binary);
  HM_CHECK(in, o.jsonl, ": cannot open");
  std::string line;
  for (int n = 1; std::getline(in, line); ++n) {
    if (line.find_first_not_of(" \t\r") == std::string::npos) continue;
    nlohmann::ordered_json j;
    try {
      j = nlohmann::ordered_json::parse(line);
    } catch (const nlohmann::json::exception& e) {
      Fail(o.jsonl, ":", n, ": invalid JSON: ", e.what());
    }
    if (o.decode) {
      HM_CHECK(j.contains("ids") && j["ids"].is_array(), o.jsonl, ":", n, ": needs an \"ids\" array");
      std::vector<int32_t> ids;
      for (const auto& id : j["ids"]) {
        HM_CHECK(id.is_number_integer(), o.jsonl, ":", n, ": ids must be integers");
        ids.push_back(id.get<int32_t>());
      }
      j["decoded"] = tok.Decode(ids, false);
      j["decoded_skip"] = tok.Decode(ids, true);
    } else {
      HM_CHECK(j.contains("text") && j["text"].is_string(), o.jsonl, ":", n, ": needs a \"text\" string");
      j["ids"] = tok.Encode(j["text"].get<std::string>());
    }
    // Decoded text may hold U+FFFD but is always valid UTF-8, so dump cannot throw.
    std::cout << j.dump(-1, ' ', false, nlohmann::json::error_handler_t::replace) << '\n';
  }
}

}  // namespace

void AddTokenizeCommand(CLI::App& app) {
  auto* cmd = app.add_subcommand("tokenize", "Encode text (or decode ids) with a checkpoint's tokenizer");
  auto o = std::make_shared<TokenizeOptions>();
  cmd->add_option("-m,--model", o->model_dir, "Checkpoint directory (reads tokenizer.json)")->required();
  cmd->add_option("--text", o->text, "Text to encode; prints the ids");
  cmd->add_option("--jsonl", o->jsonl, "JSON lines with \"text\" (or \"ids\" with --decode); adds the result");
  cmd->add_flag("--decode", o->decode, "Add \"decoded\" and \"decoded_skip\" from each line's \"ids\"");
  cmd->callback([o] { RunTokenize(*o); });
}

}  // namespace hm
