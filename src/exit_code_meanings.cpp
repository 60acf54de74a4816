// Exit codes and their meanings, as README.md's "Exit codes" table gives them (a test compares both).
#include "pgtote/exit_code_meanings.h"

#include "pgtote/error.h"

namespace pgtote {

const std::vector<ExitCodeMeaning>& exit_code_meanings() {
  static const std::vector<ExitCodeMeaning> meanings = {
      {static_cast<int>(ExitCode::ok), "success (for `--dry-run`: the import would succeed)"},
      {static_cast<int>(ExitCode::failure), "unexpected failure"},
      {static_cast<int>(ExitCode::usage),
       "usage: a bad flag or argument, a table pattern that matches nothing, a mistake in pgtote.yml (named by line "
       "and key), `init` on an existing file; a match rule naming a table or column the target lacks, or a business "
       "key that refers to a table matched after it, or a virtual key with `when` onto a column that only a `when` "
       "makes a "
       "reference; `--delete-missing` with a subset snapshot whose scope is not "
       "known (no `subset:`, another one, or limits), with a snapshot row-level security filtered, or with "
       "`--continue-on-error`, `--max-delete` without `--delete-missing`; anonymization rules that cannot be applied, "
       "or columns without a rule in strict mode"},
      {static_cast<int>(ExitCode::connection), "connection: the server is unreachable, or authentication failed"},
      {static_cast<int>(ExitCode::database),
       "database: a query failed (permission denied, server error); the server is older than PostgreSQL 12; export: "
       "row-level security would hide rows from the role (see `--enable-row-security`)"},
      {static_cast<int>(ExitCode::file),
       "file: cannot read or write a file (missing, full disk, permissions), including a `--config` file"},
      {static_cast<int>(ExitCode::bad_snapshot),
       "the snapshot is not a pgtote snapshot, or is damaged; or it holds one key twice, including several rows with "
       "one match key (they would all be one target row: the message names the rows)"},
      {static_cast<int>(ExitCode::rejected),
       "the import was refused, or would be with `--dry-run`: a snapshot that was not anonymized with "
       "`--require-anonymized`, conflicts, missing parents, NOT NULL violations, values the target rejects or would "
       "store differently (without `--allow-lossy`), a write the server refuses (unique or exclusion constraint, "
       "CHECK, deferred key, row-level security, privilege, trigger), existing rows with `--existing fail`, identity "
       "changes with `--refuse-identity-changes`, an unmapped reference, no free id or name-only mapping rows under "
       "match rules, a table "
       "losing more rows than `--max-delete` allows or a delete the server refuses; or `--continue-on-error` set rows "
       "aside (the rest was imported)"},
      {static_cast<int>(ExitCode::drift),
       "schema drift: the snapshot's tables or columns are missing from the target (import), or any difference "
       "(`diff`); a match rule whose key the target does not make unique and NOT NULL, or whose table needs fresh ids "
       "without a one-column primary key"},
      {static_cast<int>(ExitCode::interrupted), "interrupted (SIGINT/SIGTERM); nothing is kept"},
  };
  return meanings;
}

}  // namespace pgtote
