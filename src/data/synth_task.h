// The three kinds of `hulumed data synth` output and how each is read off the endpoint's
// reply: recaption (a short and a long caption, as the paper recaptions its images), qa
// (question-answer pairs about the seed: open, closed yes/no and multiple choice) and cot
// (step-by-step reasoning that ends in the seed's own answer).
#pragma once

#include <map>
#include <nlohmann/json.hpp>
#include <optional>
#include <string>
#include <vector>

#include "data/data_record.h"
#include "data/synth_verifier.h"

namespace hm {

enum class SynthTask { kRecaption, kQa, kCot };

// Throws hm::Error naming the three tasks when `name` is none of them.
SynthTask ParseSynthTask(const std::string& name);
std::string SynthTaskName(SynthTask task);

// What the prompt templates are told about a seed record.
struct SeedText {
  std::string placeholders;  // "<image>\n" or "<video>\n" per media item, in order
  std::string question;      // the first human turn without its placeholders
  std::string answer;        // the first gpt turn
  std::string conversation;  // every turn as "User: ..." / "Assistant: ..." lines
  std::string modality;      // the record's modality, or what its media are
};

// Throws hm::Error with the reason when the seed cannot serve the task (recaption needs
// media; cot needs a question and an answer; every task needs some text).
SeedText ReadSeed(SynthTask task, const nlohmann::json& record, const DataRecord& parsed);

// The {{slots}} of the generation templates: question, answer, conversation, modality.
std::map<std::string, std::string> SeedSlots(const SeedText& seed);

// The conversation to train on made from the generator's reply, or why the reply is
// rejected (not JSON, wrong shape, an answer that is not among its options, a reasoning
// whose answer is not the seed's, or a text that fails CheckGeneratedText).
struct TaskResult {
  std::vector<DataTurn> turns;
  std::optional<Rejection> rejection;
};
TaskResult TurnsFromReply(SynthTask task, const std::string& reply, const SeedText& seed, size_t max_chars);

// The generated turns as the verifier prompt shows them.
std::string TurnsAsText(const std::vector<DataTurn>& turns);

}  // namespace hm
