// Errors cross module boundaries as one exception type carrying the exit code `main` will use,
// so each failure is described once, where it happens, with its context (host, table, SQL).
#pragma once

#include <stdexcept>
#include <string>

namespace pgtote {

// Exit codes, documented in README.md ("Exit codes"). Values are part of the CLI contract.
enum class ExitCode : int {
  ok = 0,
  failure = 1,        // anything not covered below
  usage = 2,          // bad flags or arguments, a pattern that matches nothing
  connection = 3,     // server unreachable, authentication failed
  database = 4,       // a query failed: permission denied, missing table, server error
  file = 5,           // cannot read or write a file: missing, full disk, permissions
  bad_snapshot = 6,   // the snapshot is not a pgtote snapshot or is damaged
  rejected = 7,       // import refused (or would be, in --dry-run): conflicts, missing parents,
                      // values the target rejects, existing rows with --existing fail
  drift = 8,          // the snapshot's tables or columns do not match the target's
  interrupted = 130,  // SIGINT / SIGTERM
};

class Error : public std::runtime_error {
 public:
  Error(ExitCode code, const std::string& message) : std::runtime_error(message), code_(code) {}
  ExitCode code() const { return code_; }

 private:
  ExitCode code_;
};

}  // namespace pgtote
