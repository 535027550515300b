#include "checks/rubric_regex.h"

#include <re2/re2.h>

namespace ipc::checks {

std::optional<RubricRegex> RubricRegex::Compile(const std::string& pattern, std::string* error) {
  RE2::Options options;
  options.set_encoding(RE2::Options::EncodingLatin1);  // bytes, as std::regex on std::string
  options.set_log_errors(false);                       // the caller reports them
  options.set_never_capture(true);                     // only "found or not" is asked
  auto re = std::make_shared<const RE2>(pattern, options);
  if (!re->ok()) {
    *error = re->error();
    return std::nullopt;
  }
  return RubricRegex(std::move(re));
}

bool RubricRegex::FoundIn(std::string_view text) const {
  return RE2::PartialMatch(re2::StringPiece(text.data(), text.size()), *re_);
}

}  // namespace ipc::checks
