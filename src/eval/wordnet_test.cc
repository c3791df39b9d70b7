// WordNet lookups and METEOR against NLTK 3.8 with the same WordNet 3.0 files.
#include <gtest/gtest.h>

#include "core/error.h"
#include "eval/meteor.h"
#include "eval/wordnet.h"

namespace hm::eval {
namespace {

TEST(WordNet, ExceptionListsAndAllPartsOfSpeech) {
  // sorted({l.name() for s in wn.synsets("geese") for l in s.lemmas()}): via noun.exc
  auto geese = WordNet::Default().LemmaNames("geese");
  EXPECT_EQ(geese, (std::unordered_set<std::string>{"bozo", "cuckoo", "fathead", "goof", "goofball", "goose",
                                                     "jackass", "twat", "zany"}));
  auto better = WordNet::Default().LemmaNames("Better");  // lowercased; adjective, adverb, verb, noun
  for (const char* name : {"adept", "ameliorate", "best", "bettor", "well"}) EXPECT_TRUE(better.count(name)) << name;
  EXPECT_TRUE(WordNet::Default().LemmaNames("qwxzv").empty());
}

TEST(WordNet, MorphyStaysFastOnTokensManyRulesApplyTo) {
  // NLTK gives these names for "es" * 4, 8 and 10; at 40 it would need ~3^40 steps.
  const std::unordered_set<std::string> expected = {"E", "ESE", "Es", "atomic_number_99", "east_southeast",
                                                    "einsteinium"};
  std::string token;
  for (int i = 0; i < 40; ++i) {
    token += "es";
    if (i + 1 == 4 || i + 1 == 10 || i + 1 == 40) EXPECT_EQ(WordNet::Default().LemmaNames(token), expected) << token;
  }
}

TEST(WordNet, MissingFolderNamesThePackage) {
  try {
    WordNet("/nonexistent/wordnet");
    FAIL();
  } catch (const Error& e) {
    EXPECT_NE(std::string(e.what()).find("wordnet-base"), std::string::npos) << e.what();
  }
}

TEST(Meteor, MatchesNltk) {
  std::vector<std::string> hyp = {"It", "is", "a", "guide", "to", "action", "which", "ensures", "that", "the",
                                  "military", "always", "obeys", "the", "commands", "of", "the", "party"};
  std::vector<std::string> ref = {"It", "is", "a", "guide", "to", "action", "that", "ensures", "that", "the",
                                  "military", "will", "forever", "heed", "Party", "commands"};
  EXPECT_DOUBLE_EQ(SingleMeteor(ref, hyp), 0.6944444444444445);
  EXPECT_DOUBLE_EQ(SingleMeteor({"an", "automobile", "crash"}, {"the", "cars", "crashed"}), 0.16666666666666666);
  EXPECT_EQ(SingleMeteor({"x"}, {}), 0.0);
}

}  // namespace
}  // namespace hm::eval
