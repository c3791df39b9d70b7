// Prefix reuse must be invisible in the output: a second request that shares a prefix with
// the first, run on the same Session, continues exactly like a fresh cache would.
#include "runtime/session.h"

#include <gtest/gtest.h>

#include "model/model.h"

namespace hm {
namespace {

const std::string kModel = HULUMED_SOURCE_DIR "/testdata/models/tiny-qwen2";

Prompt TextPrompt(const Model& model, const std::vector<int32_t>& ids) {
  Prompt p;
  p.ids = ids;
  p.embeddings.resize(ids.size() * model.config().llm.hidden);
  model.decoder().Embed(ids, p.embeddings.data());
  return p;
}

std::vector<int32_t> Greedy(Model& model, Session& session, const Prompt& prompt, bool reuse, ThreadPool& pool) {
  GenerationOptions options;
  options.max_new_tokens = 6;
  const Prompt rest = session.Begin(prompt, reuse);
  const GenerationResult r = Generate(model.decoder(), session.cache(), rest, options, pool, [](int32_t) { return true; });
  session.End(prompt, r.tokens);
  return r.tokens;
}

TEST(Session, ReusedPrefixGivesTheSameTokensAsAFreshCache) {
  Model model(kModel);
  ThreadPool pool(1);
  const Prompt first = TextPrompt(model, {10, 11, 12, 13, 14, 15});
  const Prompt second = TextPrompt(model, {10, 11, 12, 13, 40, 41, 42});

  Session fresh(model.config().llm, 64, 301);
  const std::vector<int32_t> expected = Greedy(model, fresh, second, false, pool);

  Session reused(model.config().llm, 64, 301);
  Greedy(model, reused, first, true, pool);
  EXPECT_EQ(reused.CommonPrefix(second), 4);
  EXPECT_EQ(Greedy(model, reused, second, true, pool), expected);
}

TEST(Session, GeneratedTokensAreReusedByTheNextTurn) {
  Model model(kModel);
  ThreadPool pool(1);
  Session session(model.config().llm, 64, 301);
  const Prompt first = TextPrompt(model, {10, 11, 12});
  const std::vector<int32_t> answer = Greedy(model, session, first, true, pool);
  std::vector<int32_t> next_ids = first.ids;
  next_ids.insert(next_ids.end(), answer.begin(), answer.end() - 1);  // the cache never holds the last sampled id
  next_ids.push_back(20);
  EXPECT_EQ(session.CommonPrefix(TextPrompt(model, next_ids)), static_cast<int64_t>(next_ids.size()) - 1);
}

TEST(Session, ImagePositionsMatchOnlyWithTheSameFeatures) {
  Model model(kModel);
  Session session(model.config().llm, 64, 301);
  ThreadPool pool(1);
  Prompt a = TextPrompt(model, {10, 301, 301, 12});
  Greedy(model, session, a, true, pool);
  Prompt b = a;
  EXPECT_EQ(session.CommonPrefix(b), 3);
  b.embeddings[2 * model.config().llm.hidden] += 1.0f;  // second image row differs
  EXPECT_EQ(session.CommonPrefix(b), 2);
}

TEST(Session, NoReuseStartsFromAnEmptyCache) {
  Model model(kModel);
  Session session(model.config().llm, 64, 301);
  ThreadPool pool(1);
  const Prompt p = TextPrompt(model, {10, 11, 12});
  Greedy(model, session, p, true, pool);
  EXPECT_EQ(session.Begin(p, false).ids.size(), 3u);
  EXPECT_EQ(session.cache().size(), 0);
}

}  // namespace
}  // namespace hm
