// The rubrics' `quote:`s held to the assignment's text (`text:`), word for
// word: every check that gives points says which sentences of the text its
// points come from, and those sentences are really there. Line breaks and
// runs of blanks count as one space (the text wraps where a quote does not).
#include <filesystem>
#include <fstream>
#include <sstream>
#include <string>
#include <vector>

#include <gtest/gtest.h>

#include "rubric/rubric.h"

namespace ipc::rubric {
namespace {

namespace fs = std::filesystem;

const fs::path kRubrics = fs::path(IPC_RUBRIC_TEST_SOURCE_DIR) / "rubrics";

std::string ReadText(const fs::path& path) {
  std::ifstream in(path, std::ios::binary);
  EXPECT_TRUE(in.good()) << "cannot read " << path;
  std::ostringstream ss;
  ss << in.rdbuf();
  return ss.str();
}

// Every run of whitespace becomes one space.
std::string Words(const std::string& text) {
  std::string out;
  bool blank = false;
  for (char c : text) {
    if (c == ' ' || c == '\t' || c == '\n' || c == '\r') {
      blank = true;
      continue;
    }
    if (blank && !out.empty()) out += ' ';
    blank = false;
    out += c;
  }
  return out;
}

// The texts a rubric names, relative to the rubric's folder, one after
// another (a variant's handout, then the text it changes).
std::string TextOf(const Rubric& r) {
  std::string all;
  for (const auto& t : r.text_paths) all += ReadText(fs::path(r.path).parent_path() / t) + "\n";
  return Words(all);
}

bool Quotes(const std::string& text_words, const std::string& quote) {
  const std::string q = Words(quote);
  return !q.empty() && text_words.find(q) != std::string::npos;
}

class RubricQuotes : public ::testing::TestWithParam<const char*> {};

TEST_P(RubricQuotes, EveryScoredCheckQuotesTheTextWordForWord) {
  const Rubric r = LoadRubric((kRubrics / (std::string(GetParam()) + ".yaml")).string());
  ASSERT_FALSE(r.text_paths.empty()) << "the rubric names no text";
  const std::string text = TextOf(r);
  ASSERT_GT(text.size(), 1000u);
  int quotes = 0;
  for (const Check& c : r.checks) {
    if (c.points > 0) {
      EXPECT_FALSE(c.quotes.empty()) << c.id << " gives points and quotes nothing";
    }
    for (const std::string& q : c.quotes) {
      ++quotes;
      EXPECT_TRUE(Quotes(text, q)) << c.where.ToString() << ": check '" << c.id
                                   << "' quotes what the text does not say: " << q;
    }
  }
  EXPECT_GT(quotes, 0);
}

INSTANTIATE_TEST_SUITE_P(Rubrics, RubricQuotes,
                         ::testing::Values("ipc-project", "ipc-variant-sigusr2", "ipc-variant-dog"),
                         [](const ::testing::TestParamInfo<const char*>& p) {
                           std::string name = p.param;
                           for (char& c : name) {
                             if (c == '-') c = '_';
                           }
                           return name;
                         });

TEST(RubricQuotesMatcher, OneWordChangedIsNoQuote) {
  // The matcher is not so loose that it would pass anything: a real quote
  // matches, the same with one word changed or cut at a wrapped line's
  // end does not.
  const Rubric r = LoadRubric((kRubrics / "ipc-project.yaml").string());
  const std::string text = TextOf(r);
  const std::string real = "In secret.txt, add Hey! This is a secret!";
  EXPECT_TRUE(Quotes(text, real));
  EXPECT_TRUE(Quotes(text, "In secret.txt,\n   add Hey!  This is a secret!"));
  EXPECT_FALSE(Quotes(text, "In secret.txt, add Hey! This is the secret!"));
  EXPECT_FALSE(Quotes(text, "In secret.txt, addHey! This is a secret!"));
  EXPECT_FALSE(Quotes(text, ""));
}

}  // namespace
}  // namespace ipc::rubric
