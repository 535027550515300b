#include <algorithm>
#include <vector>

#include "rubric/yaml_reader.h"

namespace ipc::rubric {
namespace {

// Levenshtein distance extended with adjacent transpositions (optimal string
// alignment): "pionts" -> "points" and "imgae" -> "image" are one edit, not
// two, because swapped letters are the commonest typo in a key.
std::size_t EditDistance(const std::string& a, const std::string& b) {
  const std::size_t n = a.size(), m = b.size();
  std::vector<std::vector<std::size_t>> d(n + 1, std::vector<std::size_t>(m + 1));
  for (std::size_t i = 0; i <= n; ++i) d[i][0] = i;
  for (std::size_t j = 0; j <= m; ++j) d[0][j] = j;
  for (std::size_t i = 1; i <= n; ++i) {
    for (std::size_t j = 1; j <= m; ++j) {
      const std::size_t cost = a[i - 1] == b[j - 1] ? 0 : 1;
      d[i][j] = std::min({d[i - 1][j] + 1, d[i][j - 1] + 1, d[i - 1][j - 1] + cost});
      if (i > 1 && j > 1 && a[i - 1] == b[j - 2] && a[i - 2] == b[j - 1]) {
        d[i][j] = std::min(d[i][j], d[i - 2][j - 2] + 1);
      }
    }
  }
  return d[n][m];
}

}  // namespace

std::string DidYouMean(const std::string& word,
                       const std::vector<std::string>& candidates) {
  // At most 2 edits, and at most a third of the word (but always 1), so a
  // short word is not "corrected" into an unrelated one ("ab" -> "id").
  const std::size_t limit = std::min<std::size_t>(2, std::max<std::size_t>(1, word.size() / 3));
  std::string best;
  std::size_t best_distance = limit + 1;
  for (const auto& c : candidates) {
    const std::size_t d = EditDistance(word, c);
    if (d < best_distance) {  // strict: the first of equals wins
      best = c;
      best_distance = d;
    }
  }
  return best;
}

}  // namespace ipc::rubric
