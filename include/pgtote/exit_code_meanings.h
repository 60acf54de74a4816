// What each exit code means, in the words of README.md's "Exit codes" table: the man page prints
// them and a test holds the README to the same text.
#pragma once

#include <vector>

namespace pgtote {

struct ExitCodeMeaning {
  int code;
  const char* meaning;  // Markdown, as in the README (`code` spans)
};

const std::vector<ExitCodeMeaning>& exit_code_meanings();

}  // namespace pgtote
