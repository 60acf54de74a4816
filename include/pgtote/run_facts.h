// What a run learns on its way that its --report needs even when the run then fails: the caller
// keeps it, the pipeline fills it in, so a failed or refused run still reports what it knew.
#pragma once

#include <string>
#include <vector>

namespace pgtote {

struct RunFacts {
  std::string server_version;          // of the server the run read (export) or wrote (import)
  std::vector<std::string> sequences;  // sequences placed, or moved by rolled-back writes, as noted
};

}  // namespace pgtote
