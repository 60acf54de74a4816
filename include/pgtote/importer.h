// `pgtote import`: file -> plan -> stage -> check -> merge -> report, in one transaction.
// Every table is staged and checked before the first write; any failure rolls everything back.
#pragma once

#include <cstdint>
#include <functional>
#include <optional>
#include <string>
#include <vector>

#include "pgtote/connection_target.h"
#include "pgtote/match_keys.h"
#include "pgtote/resilient_merge.h"
#include "pgtote/run_facts.h"
#include "pgtote/schema_drift.h"
#include "pgtote/subset_spec.h"
#include "pgtote/table_filter.h"

namespace pgtote {

enum class ExistingRows { update, keep, fail };

// --max-delete N or P%: the most rows one table may lose.
struct DeleteCap {
  uint64_t rows = 0;
  double percent = 0;
  bool is_percent = false;
};

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
  // Copying between id spaces (match_keys.h, id_remap.h): tables matched on a business key or
  // always new, the schema of the persistent id mapping, and the config's virtual foreign keys,
  // whose columns are rewritten like declared ones.
  std::vector<MatchRule> match;
  std::string match_map_schema = "pgtote";
  std::vector<VirtualForeignKey> virtual_foreign_keys;
  bool refuse_identity_changes = false;  // an update that changes a unique key's value blocks (exit 7)
  // --delete-missing: delete target rows the snapshot does not hold, in the tables it carries;
  // --max-delete caps the rows deleted per table (cascades included), as a count or a percentage.
  bool delete_missing = false;
  std::optional<DeleteCap> max_delete;
  // For a subset snapshot: the config's subset:, which must be the one it was exported with; its
  // start conditions and their descendants in the target are the rows --delete-missing may delete.
  SubsetSpec subset_scope;
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

// Rows --delete-missing removes from one table, and what the server's ON DELETE actions did.
struct TableDeletes {
  std::string table;      // schema.name
  uint64_t deleted = 0;   // target rows the snapshot does not hold
  uint64_t cascaded = 0;  // rows ON DELETE CASCADE removed with them
  uint64_t set_null = 0;  // rows that stayed, changed by ON DELETE SET NULL / SET DEFAULT (once each)
  uint64_t rows_before = 0;
};

// How the rows of a table with a match rule found their target rows (id_remap.h).
struct TableIdentity {
  std::string table;  // schema.name
  std::string match;  // the business key ("email", "(organization_id, user_id)") or "new"
  uint64_t by_key = 0;
  uint64_t by_mapping = 0;  // rows an earlier import of the same source inserted
  uint64_t fresh = 0;       // new rows, with new ids
  // The ids the new rows get ("11, 12, 13 ..."), or where they come from when they cannot be
  // known without drawing from a sequence ("from sequence", "from the column's default").
  std::string fresh_ids;
  std::vector<std::string> remapped;  // --show-diff: "5 -> 12" (snapshot id -> target id)
};

struct ImportResult {
  bool dry_run = false;
  bool ok = true;  // the import succeeded (or, in a dry run, would)
  std::vector<TableImportStats> tables;
  TableImportStats totals;
  std::vector<ImportProblem> problems;
  std::vector<std::string> diffs;       // --show-diff lines
  std::vector<DriftItem> drift;         // how the target's tables differ from the snapshot's
  bool drift_blocks = false;            // blocking drift: nothing is written (exit code drift)
  std::vector<RejectedRow> rejected;    // --continue-on-error: rows the server refused
  std::vector<TableIdentity> identity;  // tables with a match rule, in snapshot order
  std::vector<TableDeletes> deletes;    // --delete-missing, per table that loses or changes rows
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
