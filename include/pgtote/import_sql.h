// The set-based SQL an import runs over its staging tables: checks before any write, then one
// merge statement per table or per cycle. Pure text builders, tested without a server. Every
// identifier comes from the target's catalog (a TablePlan) and is quoted.
#pragma once

#include <string>
#include <vector>

#include "pgtote/import_plan.h"

namespace pgtote::import_sql {

std::string create_stage(const TablePlan& plan);
std::string copy_stage(const TablePlan& plan);
// For a plan numbered by position: the table mapping each staged row (ctid) to its row number,
// made right after the COPY, while ctid order is still file order.
std::string number_stage_rows(const TablePlan& plan);
// COPY straight into the target table (a direct plan); identity values are kept as given.
std::string copy_into_target(const TablePlan& plan);
// One row: whether the target table has no row.
std::string target_is_empty(const TablePlan& plan);
// A direct plan's rows moved into its (created) stage, numbered in the order they were copied
// (ctid order of a table filled from empty), then taken out of the target table again.
std::string stage_from_target(const TablePlan& plan);
std::string empty_target(const TablePlan& plan);

// Rows whose match key appears twice in the stage: count.
std::string duplicate_keys(const TablePlan& plan);
// The first `limit` of those keys: one text column per key column, then the snapshot rows that
// hold the key ("3, 5").
std::string duplicate_key_rows(const TablePlan& plan, int limit);
// Per NOT NULL column, how many staged rows are NULL: one count per entry of `columns`.
std::string null_counts(const TablePlan& plan, const std::vector<std::string>& columns);
std::string null_rows(const TablePlan& plan, const std::string& column, int limit);

// Staged rows whose foreign key finds no parent in the target nor in the parent's stage
// (`parent_stage` empty when the parent is not imported). Result: total, row, key values...
std::string missing_parents(const TablePlan& plan, const ForeignKey& fk, const Table& parent,
                            const std::string& parent_stage, int limit);
std::string delete_missing_parents(const TablePlan& plan, const ForeignKey& fk, const Table& parent,
                                   const std::string& parent_stage);

// Staged rows that collide on `unique` with a different target row, one the import does not
// move off that value (unless keep_existing, its own snapshot row updates it). Result: total,
// row, the staged row's match key values, its `unique` values, the colliding target row's keys.
std::string conflicts(const TablePlan& plan, const UniqueKey& unique, bool keep_existing, int limit);
std::string delete_conflicts(const TablePlan& plan, const UniqueKey& unique, bool keep_existing);

// Staged rows whose key exists in the target. Result: total, row, key values...
std::string existing_rows(const TablePlan& plan, int limit);

// $1: the target table's oid. Result: one row, the names of its enabled BEFORE INSERT or UPDATE
// row triggers (its partitions' too) and of its rules, comma-separated, or NULL when it has none.
inline constexpr const char* row_triggers_sql = R"SQL(
SELECT pg_catalog.string_agg(DISTINCT name, ', ')
FROM (SELECT tg.tgname::text AS name
      FROM pg_catalog.pg_trigger tg
      WHERE (tg.tgrelid = $1::pg_catalog.oid
             OR tg.tgrelid IN (SELECT relid FROM pg_catalog.pg_partition_tree($1::pg_catalog.oid::pg_catalog.regclass)))
        AND NOT tg.tgisinternal AND tg.tgenabled <> 'D' AND (tg.tgtype & 3) = 3 AND (tg.tgtype & 20) <> 0
      UNION ALL
      SELECT 'rule ' || rw.rulename::text
      FROM pg_catalog.pg_rewrite rw
      WHERE rw.ev_class = $1::pg_catalog.oid AND rw.rulename <> '_RETURN' AND rw.ev_enabled <> 'D') x
)SQL";

// Result: staged, would insert, would update (with --existing update).
std::string classify(const TablePlan& plan);
// Changed rows, before and after, one result row per written column of each changed row (any
// number of columns). Result: row, column position (1-based, in plan.columns; NULL when the plan
// writes no column), target value, staged value; ordered by row, then position.
std::string changed_rows(const TablePlan& plan, int limit);

// One statement writing every plan in `group` (a table, or a cycle's tables): for each plan,
// UPDATE of changed rows (unless keep_existing) and INSERT of new rows. Result: one row,
// (updated, inserted) per plan, in group order.
// With `first_row` <= `last_row`, only staged rows numbered in that range (--continue-on-error).
// `parts`, when given, says per plan which of the two it needs (a part with nothing to write is
// left out: no write, no privilege it needs, no rule it trips).
struct MergeParts {
  bool update = true;
  bool insert = true;
};
std::string merge(const std::vector<const TablePlan*>& group, bool keep_existing, uint64_t first_row = 1,
                  uint64_t last_row = 0, const std::vector<MergeParts>& parts = {});
// The two halves of a single table's merge as plain statements (no RETURNING, so tables with
// DO INSTEAD rules take them); their command tags count the rows. Updates go first, so a unique
// value that moves from an old row to a new one is free when the new row arrives.
std::string update_changed(const TablePlan& plan);
std::string insert_new(const TablePlan& plan);
// Staged rows whose n-th converted column (converted_columns) the target stores differently from
// the snapshot's text: the stored value, read back as `stored_as` (the snapshot's type, already
// checked to name a type; empty: as text), differs from that text. Result: total, row, match key
// values..., snapshot text, stored text.
std::string converted_values(const TablePlan& plan, size_t n, const std::string& stored_as, int limit);
// A staged row's match key values as text. Result: one row, one column per key column.
std::string row_key(const TablePlan& plan, uint64_t row);
// A staged row as a JSON object (for the reject file). Result: one text column.
std::string row_json(const TablePlan& plan, uint64_t row);

}  // namespace pgtote::import_sql
