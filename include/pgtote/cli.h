// The command line: a table of subcommands (name, summary, handler); the only cxxopts user.
#pragma once

namespace pgtote {

// Runs one command; returns its exit code. Throws pgtote::Error for failures, which main reports.
int run_cli(int argc, char** argv);

}  // namespace pgtote
