// The state one import carries from stage to merge: the target's catalog, a plan and statistics
// per snapshot table, the result being built. Shared by the importer and its checks.
#pragma once

#include <chrono>
#include <map>
#include <string>
#include <utility>
#include <vector>

#include "pgtote/import_plan.h"
#include "pgtote/importer.h"
#include "pgtote/pg_conn.h"

namespace pgtote {

using Clock = std::chrono::steady_clock;
inline double since(Clock::time_point start) { return std::chrono::duration<double>(Clock::now() - start).count(); }

struct ImportSession {
  explicit ImportSession(const ImportOptions& o) : options(o), connection(Connection::open(o.target.conninfo)) {}

  const ImportOptions& options;
  Connection connection;
  std::vector<Table> target_tables;
  std::vector<TablePlan> plans;         // every snapshot table, in snapshot order
  std::vector<TableImportStats> stats;  // parallel to plans
  std::map<std::pair<std::string, std::string>, size_t> plan_by_name;
  ImportResult result;

  // The plan of a staged (not skipped) snapshot table, or null.
  const TablePlan* staged_plan(const std::string& schema, const std::string& name) const;
  // The plans of a write group (indexes into plans).
  std::vector<const TablePlan*> group_plans(const std::vector<size_t>& members) const;
  // A group's statements wrote `updated` and `inserted` rows per member: the rest of each
  // member's staged rows (held in stats' unchanged until then) are unchanged.
  void record_counts(const std::vector<size_t>& members, const std::vector<uint64_t>& updated,
                     const std::vector<uint64_t>& inserted, Clock::time_point started);
  // Foreign keys of the plan's target table whose columns are all written, with their parents.
  std::vector<std::pair<const ForeignKey*, const Table*>> checked_foreign_keys(const TablePlan& plan) const;
};

// Set-based checks over the stages before any write: duplicate keys (Error), NULLs in NOT NULL
// columns, missing parents, unique conflicts (skipped with --skip-conflicts, cascading to rows
// that lose their parent), existing rows with --existing fail. Findings go to result.problems.
void check_before_writing(ImportSession& session);

// What the merge would do (inserted, updated, unchanged) and --show-diff's rows, by query alone:
// for a dry run that is refused before its rehearsal.
void predict_counts(ImportSession& session);
// --show-diff's rows (before -> after) of every staged table.
void show_diffs(ImportSession& session);

}  // namespace pgtote
