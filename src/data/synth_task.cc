#include "data/synth_task.h"

#include <cctype>

#include "core/error.h"

namespace hm {
namespace {

std::string Normalized(const std::string& s) {
  std::string out;
  for (unsigned char c : s) {
    if (std::isalnum(c)) out += static_cast<char>(std::tolower(c));
    else if (!out.empty() && out.back() != ' ') out += ' ';
  }
  while (!out.empty() && out.back() == ' ') out.pop_back();
  return out;
}

std::string Trimmed(const std::string& s) {
  const size_t a = s.find_first_not_of(" \t\r\n"), b = s.find_last_not_of(" \t\r\n");
  return a == std::string::npos ? "" : s.substr(a, b - a + 1);
}

std::string StripPlaceholders(std::string text) {
  for (const char* tag : {"<image>", "<video>"})
    for (size_t at; (at = text.find(tag)) != std::string::npos;) text.erase(at, std::string(tag).size());
  return Trimmed(text);
}

// A string field of the reply, or nullopt when absent or not a string.
std::optional<std::string> StringField(const nlohmann::json& obj, const char* key) {
  if (!obj.is_object() || !obj.contains(key) || !obj[key].is_string()) return std::nullopt;
  return Trimmed(obj[key].get<std::string>());
}

Rejection Shape(const std::string& detail) { return {"bad_shape", detail}; }

TaskResult Recaption(const nlohmann::json& reply, const SeedText& seed, size_t max_chars) {
  const auto short_caption = StringField(reply, "short_caption"), long_caption = StringField(reply, "long_caption");
  if (!short_caption || !long_caption) return {{}, Shape("needs string fields short_caption and long_caption")};
  for (const std::string* text : {&*short_caption, &*long_caption})
    if (auto bad = CheckGeneratedText(*text, max_chars)) return {{}, bad};
  return {{{"human", seed.placeholders + "Write a one-sentence caption."},
           {"gpt", *short_caption},
           {"human", "Describe it in detail."},
           {"gpt", *long_caption}},
          std::nullopt};
}

TaskResult Qa(const nlohmann::json& reply, const SeedText& seed, size_t max_chars) {
  if (!reply.contains("pairs") || !reply["pairs"].is_array() || reply["pairs"].empty() || reply["pairs"].size() > 8)
    return {{}, Shape("needs \"pairs\": an array of 1 to 8 question-answer objects")};
  TaskResult result;
  for (const nlohmann::json& pair : reply["pairs"]) {
    const auto type = StringField(pair, "type"), question = StringField(pair, "question"),
               answer = StringField(pair, "answer");
    if (!type || !question || !answer) return {{}, Shape("every pair needs string fields type, question and answer")};
    for (const std::string* text : {&*question, &*answer})
      if (auto bad = CheckGeneratedText(*text, max_chars)) return {{}, bad};
    std::string asked = *question, answered = *answer;
    if (*type == "closed") {
      const std::string yes_no = Normalized(*answer);
      if (yes_no != "yes" && yes_no != "no")
        return {{}, Rejection{"answer_not_in_options", "closed question answered \"" + *answer + "\", not yes or no"}};
      answered = yes_no == "yes" ? "Yes" : "No";
    } else if (*type == "choice") {
      if (!pair.contains("options") || !pair["options"].is_array() || pair["options"].size() < 2 ||
          pair["options"].size() > 6)
        return {{}, Shape("a choice question needs 2 to 6 options")};
      int chosen = -1;
      for (size_t i = 0; i < pair["options"].size(); ++i) {
        const nlohmann::json& option = pair["options"][i];
        if (!option.is_string()) return {{}, Shape("options must be strings")};
        const std::string letter(1, static_cast<char>('A' + i));
        asked += "\n" + letter + ". " + Trimmed(option.get<std::string>());
        if (Normalized(option.get<std::string>()) == Normalized(*answer) || Normalized(*answer) == Normalized(letter))
          chosen = static_cast<int>(i);
      }
      if (chosen < 0) return {{}, Rejection{"answer_not_in_options", "answer \"" + *answer + "\" is not one of the options"}};
      answered = std::string(1, static_cast<char>('A' + chosen)) + ". " +
                 Trimmed(pair["options"][chosen].get<std::string>());
    } else if (*type != "open") {
      return {{}, Shape("type \"" + *type + "\" is not open, closed or choice")};
    }
    result.turns.push_back({"human", (result.turns.empty() ? seed.placeholders : "") + asked});
    result.turns.push_back({"gpt", answered});
  }
  return result;
}

TaskResult Cot(const nlohmann::json& reply, const SeedText& seed, size_t max_chars) {
  const auto reasoning = StringField(reply, "reasoning"), answer = StringField(reply, "answer");
  if (!reasoning || !answer) return {{}, Shape("needs string fields reasoning and answer")};
  if (auto bad = CheckGeneratedText(*reasoning, max_chars)) return {{}, bad};
  const std::string mine = Normalized(*answer), theirs = Normalized(seed.answer);
  if (mine.empty() || (mine != theirs && theirs.find(mine) == std::string::npos && mine.find(theirs) == std::string::npos))
    return {{}, Rejection{"answer_mismatch", "reasoned to \"" + *answer + "\", the seed answers \"" + seed.answer + "\""}};
  // The seed's own answer after the reasoning: the ground truth stays what it was.
  return {{{"human", seed.placeholders + seed.question}, {"gpt", "<think>\n" + *reasoning + "\n</think>\n\n" + seed.answer}},
          std::nullopt};
}

}  // namespace

SynthTask ParseSynthTask(const std::string& name) {
  if (name == "recaption") return SynthTask::kRecaption;
  if (name == "qa") return SynthTask::kQa;
  if (name == "cot") return SynthTask::kCot;
  Fail("--task '", name, "': expected recaption, qa or cot");
}

std::string SynthTaskName(SynthTask task) {
  switch (task) {
    case SynthTask::kRecaption: return "recaption";
    case SynthTask::kQa: return "qa";
    case SynthTask::kCot: return "cot";
  }
  return "";
}

SeedText ReadSeed(SynthTask task, const nlohmann::json& record, const DataRecord& parsed) {
  SeedText seed;
  for (const MediaRef& m : parsed.media) seed.placeholders += m.kind == MediaRef::Kind::kImage ? "<image>\n" : "<video>\n";
  for (const DataTurn& turn : parsed.turns) {
    if (turn.from == "system") continue;
    const std::string text = StripPlaceholders(turn.value);
    if (turn.from == "human" && seed.question.empty()) seed.question = text;
    if (turn.from == "gpt" && seed.answer.empty()) seed.answer = text;
    seed.conversation += (turn.from == "human" ? "User: " : "Assistant: ") + text + "\n";
  }
  seed.modality = RecordModality(record);
  HM_CHECK(!seed.conversation.empty(), "the seed has no conversation text to work from");
  if (task == SynthTask::kRecaption) HM_CHECK(!parsed.media.empty(), "recaption needs a seed with media");
  if (task == SynthTask::kCot)
    HM_CHECK(!seed.question.empty() && !seed.answer.empty(), "cot needs a seed with a question and an answer");
  return seed;
}

std::map<std::string, std::string> SeedSlots(const SeedText& seed) {
  return {{"question", seed.question}, {"answer", seed.answer}, {"conversation", seed.conversation},
          {"modality", seed.modality}};
}

TaskResult TurnsFromReply(SynthTask task, const std::string& reply, const SeedText& seed, size_t max_chars) {
  // The whole reply first, so a bare refusal is called one rather than "not JSON"; it may hold
  // up to 8 question-answer pairs, each within the limit.
  if (auto bad = CheckGeneratedText(reply, max_chars * 16)) return {{}, bad};
  const std::optional<nlohmann::json> json = ParseJsonReply(reply);
  if (!json) return {{}, Rejection{"not_json", "the reply holds no JSON object: " + reply.substr(0, 120)}};
  switch (task) {
    case SynthTask::kRecaption: return Recaption(*json, seed, max_chars);
    case SynthTask::kQa: return Qa(*json, seed, max_chars);
    case SynthTask::kCot: return Cot(*json, seed, max_chars);
  }
  return {};
}

std::string TurnsAsText(const std::vector<DataTurn>& turns) {
  std::string text;
  for (const DataTurn& turn : turns)
    text += (turn.from == "human" ? "User: " : "Assistant: ") + StripPlaceholders(turn.value) + "\n";
  return text;
}

}  // namespace hm
