// Errors cross module boundaries as one exception type carrying the exit code `main` will use,
// so each failure is described once, where it happens, with its context (host, table, SQL).
#pragma once

#include <stdexcept>
#include <string>
#include <utility>

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
                      // a snapshot not anonymized (--require-anonymized),
                      // values the target rejects, existing rows with --existing fail
  drift = 8,          // the snapshot's tables or columns do not match the target's
  interrupted = 130,  // SIGINT / SIGTERM
};

// What the server said about a failed statement, field by field (libpq's PQresultErrorField),
// so callers name the row, constraint or column without parsing message text.
struct ServerError {
  std::string sqlstate;  // "23505"; empty when the failure was not the server's (a lost connection)
  std::string message;   // the primary message, one line
  std::string detail;    // "Key (email)=(a@b.c) already exists."
  std::string schema;    // of the table the error is about, when the server names one
  std::string table;
  std::string column;
  std::string constraint;  // constraint (or unique index) name
  std::string context;     // where: "COPY stage, line 3, column x: ...", a trigger's PL/pgSQL line
  std::string sql;         // the statement that failed
};

class Error : public std::runtime_error {
 public:
  Error(ExitCode code, const std::string& message) : std::runtime_error(message), code_(code) {}
  Error(ExitCode code, const std::string& message, ServerError server)
      : std::runtime_error(message), code_(code), server_(std::move(server)) {}
  ExitCode code() const { return code_; }
  // The server's fields when the server refused a statement; sqlstate empty otherwise.
  const ServerError& server() const { return server_; }

 private:
  ExitCode code_;
  ServerError server_;
};

}  // namespace pgtote
