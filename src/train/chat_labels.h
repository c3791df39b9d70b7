// A training conversation to token ids and next-token labels, with the reference processor's
// rule (HulumedProcessor._process_text_with_label): every message is rendered alone with the
// checkpoint's chat template and tokenized; an assistant message is labelled from just after
// its generation prompt `<|im_start|>assistant\n` through its `<|im_end|>` (its trailing
// newline is not); everything else is ignored.
#pragma once

#include <cstdint>
#include <span>
#include <string>
#include <vector>

#include <nlohmann/json.hpp>

#include "text/chat_template.h"
#include "text/tokenizer.h"

namespace hm {

inline constexpr int32_t kIgnoreLabel = -100;  // the reference's IGNORE_INDEX

struct LabelledTokens {
  std::vector<int32_t> ids;
  std::vector<int32_t> labels;  // ids.size(); the id itself where trained, else kIgnoreLabel

  int64_t label_count() const;  // labels that some position predicts (all but a leading one)
};

// Each `<image>` the template renders is repeated image_tokens[i] times (its frame's visual
// tokens, in order), as the reference expands it before tokenizing; hm::Error if the counts
// and the placeholders differ.
LabelledTokens LabelConversation(const Tokenizer& tokenizer, const ChatTemplate& chat_template,
                                 const nlohmann::ordered_json& messages, std::span<const int64_t> image_tokens = {});

// Token reduction on a labelled sequence: the image-token slots whose visual token was not
// kept (`kept`: one entry per slot, in order) leave the ids and the labels, as the reference
// removes them before the decoder. hm::Error if the slot count differs.
void DropReducedVisualTokens(LabelledTokens& tokens, int32_t image_token, std::span<const uint8_t> kept);

}  // namespace hm
