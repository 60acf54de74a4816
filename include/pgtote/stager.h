// Streams one snapshot table's rows into its temporary staging table with COPY FROM STDIN,
// decoding each value to PostgreSQL's text form on the way. Memory: one row and one buffer.
#pragma once

#include <cstdint>

#include "pgtote/import_plan.h"
#include "pgtote/pg_conn.h"
#include "pgtote/progress.h"
#include "pgtote/snapshot_reader.h"

namespace pgtote {

// Creates the stage and copies the reader's current table into it; returns the rows staged.
// Rows, bytes sent and the file's share read go to `progress` as they stream.
// A `direct` plan copies straight into its (empty) target table instead.
// A value the snapshot cannot hold for its column: Error(bad_snapshot) naming table, row, column.
// A value the target's type rejects: Error(rejected) with the server's message, the table, the
// row (number and key, read again from `snapshot_path`) and the column.
uint64_t stage_table(Connection& connection, const TablePlan& plan, SnapshotReader& reader,
                     const std::string& snapshot_path, Progress& progress);
// A direct plan's rows, copied into its target table, moved into a stage after all (the target
// table is empty again): for a plan now staged (plan.direct false), whose rows need rewriting.
void restage_copied_rows(Connection& connection, const TablePlan& plan);

}  // namespace pgtote
