// pgtote.1 in roff, written from the command table and the exit codes, so the installed manual
// says what the binary does (the build generates it with pgtote_docs; see CMakeLists.txt).
#pragma once

#include <string>
#include <vector>

#include "pgtote/command_help.h"
#include "pgtote/exit_code_meanings.h"

namespace pgtote {

std::string man_page(const std::vector<CommandHelp>& commands, const std::vector<ExitCodeMeaning>& exit_codes,
                     const std::string& version);

// Text as roff reads it literally: backslashes, leading dots and quotes, and hyphens escaped;
// Markdown `code` spans in bold.
std::string roff_text(const std::string& text);

}  // namespace pgtote
