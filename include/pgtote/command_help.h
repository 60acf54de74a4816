// The command line described as plain data, so the man page and the shell completions are
// generated from the same table the binary parses with (src/cli.cpp) and never drift from it.
#pragma once

#include <string>
#include <vector>

namespace pgtote {

struct OptionHelp {
  std::string short_name;  // "j", or empty
  std::string long_name;   // "jobs"
  std::string value_name;  // "N"; empty for a switch
  std::string description;
  std::vector<std::string> choices;  // the values a flag accepts, when it names them (--existing)
  bool takes_file = false;           // its value is a path (-o, --report, --config)
  bool repeatable = false;           // -t GLOB...
};

struct CommandHelp {
  std::string name;         // "export"
  std::string summary;      // one line, as in `pgtote --help`
  std::string description;  // one sentence, as atop `pgtote export --help`
  std::string positional;   // "FILE", "[FILE]" or empty
  std::vector<OptionHelp> options;
};

}  // namespace pgtote
