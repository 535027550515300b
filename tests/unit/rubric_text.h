// Rubric texts in tests: the keys every rubric must state but that a test
// about something else does not care about (image, workdir) are appended
// when a rubric-shaped text lacks them, at the end so that the line and column of any
// error the test expects stay where the text puts them.
#pragma once

#include <string>

#include "rubric/rubric.h"

namespace ipc::testing {

inline std::string WithEngineKeys(std::string text) {
  // Only a rubric-shaped text: an empty one or a list stays what it is.
  if (text.find("assignment:") == std::string::npos) return text;
  auto has = [&](const char* key) {
    return text.rfind(std::string(key) + ":", 0) == 0 ||
           text.find(std::string("\n") + key + ":") != std::string::npos;
  };
  if (!text.empty() && text.back() != '\n') text += '\n';
  if (!has("image")) text += "image: python:latest\n";
  if (!has("workdir")) text += "workdir: /root\n";
  return text;
}

// rubric::ParseRubric of the text with those keys.
inline rubric::Rubric ParseTestRubric(const std::string& text, const std::string& path) {
  return rubric::ParseRubric(WithEngineKeys(text), path);
}

}  // namespace ipc::testing
