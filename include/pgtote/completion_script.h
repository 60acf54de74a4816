// Shell completion scripts for bash and zsh, written from the command table like the man page,
// so a new command or flag completes as soon as it exists.
#pragma once

#include <string>
#include <vector>

#include "pgtote/command_help.h"

namespace pgtote {

// Installed as share/bash-completion/completions/pgtote.
std::string bash_completion(const std::vector<CommandHelp>& commands);

// Installed as share/zsh/vendor-completions/_pgtote.
std::string zsh_completion(const std::vector<CommandHelp>& commands);

}  // namespace pgtote
