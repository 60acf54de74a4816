// What an import does with one snapshot table, decided before any row moves: the target table
// (found by name in the target's catalog, so snapshot names are only used once they are known),
// the columns written, the key rows are matched on. Pure: no server needed.
#pragma once

#include <string>
#include <vector>

#include "pgtote/schema_model.h"
#include "pgtote/table_filter.h"

namespace pgtote {

struct ImportColumn {
  std::string name;
  size_t snapshot_index = 0;  // position of the value in a snapshot row
  Encoding encoding = Encoding::text;
  Encoding element_encoding = Encoding::text;
  bool in_key = false;
  bool comparable = true;
  bool not_null = false;
  bool identity_always = false;
  // The snapshot's type, when it differs from the target column's: the value may be stored
  // differently (rounded, truncated), so the stage keeps its snapshot text too to compare.
  std::string narrowed_from;
};

struct TablePlan {
  Table snapshot;                     // the description the snapshot carries
  const Table* target = nullptr;      // the target's table (catalog)
  std::vector<ImportColumn> columns;  // written, in snapshot order
  std::vector<std::string> key;       // match key (primary key, else a NOT NULL unique key); empty: whole row
  std::string key_source;             // "primary key", "unique index X", "whole row"
  std::string stage;                  // temporary staging table name (safe identifier)
  // The stage's snapshot row number column: "__pgtote_row", lengthened until no written column
  // starts with it, so no internal name (this one, or "<it>_raw<n>") meets a column of the table.
  std::string row_column = "__pgtote_row";
  // The table is too wide for the stage to add a row number column (PostgreSQL's limit is 1,600
  // columns): the stage holds the columns alone, and a second temporary table maps each staged
  // row's ctid to its snapshot row number (COPY fills a fresh table in file order).
  bool rows_by_position = false;
  bool self_referencing = false;  // the target has a foreign key to itself among the written columns
  size_t position = 0;            // in the snapshot's order
  bool skipped = false;
  std::string skip_reason;
  // Copied straight into its target table, which was empty: no stage, no merge (first imports).
  bool direct = false;
};

// Throws Error(drift) when the target has no such table or lacks a snapshot column (unless
// `ignore_missing_columns`: then only the shared columns are written). The importer reports
// drift before planning (schema_drift.h); this is the last guard. `selection` decides skips
// (-t, -T, --skip-audit); skipped plans carry no target.
TablePlan plan_table(const Table& snapshot, size_t position, const std::vector<Table>& target_tables,
                     const TableSelection& selection, bool ignore_missing_columns = false);

// Does the plan write every one of `columns`? (Keys on other columns keep the target's values.)
bool writes_all(const TablePlan& plan, const std::vector<std::string>& columns);

// Indexes into plan.columns of the columns whose snapshot type differs from the target's, in
// order; the stage holds their snapshot text in raw_column(plan, n) for the n-th of them.
std::vector<size_t> converted_columns(const TablePlan& plan);
std::string raw_column(const TablePlan& plan, size_t n);

// PostgreSQL's limit on the columns of a table (MaxHeapAttributeNumber).
inline constexpr size_t max_table_columns = 1600;

// "schema"."name" of the target table, with ONLY unless it is partitioned (its rows live in
// partitions); for reading and updating exactly this table's rows.
std::string table_ref(const Table& table);

}  // namespace pgtote
