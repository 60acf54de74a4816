// pgtote_docs: a build-time tool that writes the man page and the shell completions from the
// binary's own command table (`pgtote_docs man|bash|zsh FILE`); it is never installed.
#include <fstream>
#include <iostream>
#include <string>

#include "pgtote/cli.h"
#include "pgtote/completion_script.h"
#include "pgtote/exit_code_meanings.h"
#include "pgtote/man_page.h"

int main(int argc, char** argv) {
  if (argc != 3) {
    std::cerr << "usage: pgtote_docs man|bash|zsh FILE\n";
    return 2;
  }
  std::string kind = argv[1];
  auto commands = pgtote::describe_commands();
  std::string text;
  if (kind == "man")
    text = pgtote::man_page(commands, pgtote::exit_code_meanings(), PGTOTE_VERSION);
  else if (kind == "bash")
    text = pgtote::bash_completion(commands);
  else if (kind == "zsh")
    text = pgtote::zsh_completion(commands);
  else {
    std::cerr << "pgtote_docs: unknown kind '" << kind << "' (man, bash or zsh)\n";
    return 2;
  }
  std::ofstream out(argv[2], std::ios::binary);
  out << text;
  out.close();
  if (!out) {
    std::cerr << "pgtote_docs: cannot write " << argv[2] << "\n";
    return 5;
  }
  return 0;
}
