// `pgtote import`: file -> plan -> stage -> check -> merge -> report, in one transaction.
// Every table is staged and checked before the first write; any failure rolls everything back.
#pragma once

#include <cstdint>
#include <functional>
#include <string>
#include <vector>

#include "pgtote/connection_target.h"
#include "pgtote/resilient_merge.h"
#include "pgtote/run_facts.h"
#include "pgtote/schema_drift.h"
#include "pgtote/table_filter.h"

namespace pgtote {

enum class ExistingRows { update, keep, fail };

struct ImportOptions {
  ConnectionTarget target;
  std::string snapshot_path;
  TableSelection selection;
  bool dry_run = false;
  ExistingRows existing = ExistingRows::update;
  bool skip_conflicts = false;
  bool allow_lossy = false;  // store values a narrower target column rounds or trims (reported, not blocking)
  // Refuse (exit 7), before the target is touched, a snapshot that was not anonymized (staging).
  bool require_anonymized = false;
  bool ignore_missing_columns = false;  // import the shared columns only
  bool allow_remote = false;            // write to a host that is not local (--yes, PGTOTE_ALLOW_REMOTE=1)
  bool continue_on_error = false;       // commit level by level, set rejected rows aside
  // Tables that are empty in the target (and whose parents are too) are copied straight in,
  // without a stage: a first import runs at COPY speed. If that fails, the import starts over
  // with stages, so every problem is reported as usual. Off for dry runs and stdin.
  bool direct_copy = true;
  // Foreign keys of target tables that are empty (and owned by this role, as are their parents)
  // are dropped before their rows are written and re-created after, in the one transaction:
  // one validation per key instead of a trigger per row. It holds ACCESS EXCLUSIVE locks on
  // those tables and their parents until the end. The dry run does the same. --no-defer-keys.
  bool defer_keys = true;
  bool disable_triggers = false;
  int show_diff = 0;  // changed rows shown per table in --dry-run
  bool progress = true;
  RunFacts* facts = nullptr;  // when set, filled as the import goes (the server's version, sequences)
};

struct TableImportStats {
  std::string schema;
  std::string name;
  uint64_t inserted = 0;
  uint64_t updated = 0;
  uint64_t unchanged = 0;
  uint64_t skipped = 0;  // rows left out: --skip-conflicts, or the whole table (-T, --skip-audit)
  uint64_t conflicts = 0;
  uint64_t errors = 0;  // missing parents, NOT NULL violations, existing rows with --existing fail
  double seconds = 0;
  std::string skipped_because;  // set when the whole table was left out
};

// One kind of problem in one table, with its first examples.
struct ImportProblem {
  std::string table;
  std::string kind;  // "conflict", "missing parent", "not null", "existing row", "lossy conversion", ...
  uint64_t count = 0;
  bool blocking = true;  // false: skipped (--skip-conflicts) or left to the server (--continue-on-error)
  std::string note;      // what happens to these rows when they do not block
  std::vector<std::string> examples;
};

struct ImportResult {
  bool dry_run = false;
  bool ok = true;  // the import succeeded (or, in a dry run, would)
  std::vector<TableImportStats> tables;
  TableImportStats totals;
  std::vector<ImportProblem> problems;
  std::vector<std::string> diffs;     // --show-diff lines
  std::vector<DriftItem> drift;       // how the target's tables differ from the snapshot's
  bool drift_blocks = false;          // blocking drift: nothing is written (exit code drift)
  std::vector<RejectedRow> rejected;  // --continue-on-error: rows the server refused
};

// Throws Error for failures that stop the import outright (connection, snapshot, drift, a
// value the target rejects); data problems found by the checks come back in `problems`.
// `notify` receives one-line notes for the user (sequences moved).
ImportResult run_import(const ImportOptions& options, const std::function<void(const std::string&)>& notify);

struct SnapshotInfo;
// --require-anonymized: throws Error(rejected) unless the snapshot's header says it was
// anonymized and lists at least one transformed column.
void check_anonymized(const SnapshotInfo& info, const std::string& path);

}  // namespace pgtote
