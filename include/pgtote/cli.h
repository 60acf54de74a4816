// The command line: a table of subcommands (name, summary, handler); the only cxxopts user.
#pragma once

#include <vector>

#include "pgtote/command_help.h"

namespace pgtote {

// Every command with its flags, as the help shows them: what the man page and the shell
// completions are written from (pgtote_docs).
std::vector<CommandHelp> describe_commands();

// Runs one command; returns its exit code. Throws pgtote::Error for failures, which main reports.
int run_cli(int argc, char** argv);

}  // namespace pgtote
