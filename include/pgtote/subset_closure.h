// The rows a subset exports, found inside the export's one snapshot with plain SELECTs (no
// temporary tables, no writes: the source may be a read-only standby), then written into the
// export plans as filters. Only keys are held in memory: each row's identity and edge columns; the
// rows of a table read in one scan go whole to a temporary file, for the export to write.
#pragma once

#include <cstdint>
#include <functional>
#include <memory>
#include <optional>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

#include "pgtote/export_plan.h"
#include "pgtote/pg_conn.h"
#include "pgtote/row_spool.h"
#include "pgtote/subset_graph.h"
#include "pgtote/subset_record.h"

namespace pgtote {

struct SubsetTableRows {
  // Each row's values as SubsetTableShape lists them, each ended by '\0', NULL written as "\xff"
  // (a byte UTF-8 text never holds).
  std::vector<std::string> rows;
  // Why rows are in: "start", "child of public.User", "parent of public.Comment", with the number
  // of rows that came in first that way, in the order first seen.
  std::vector<std::pair<std::string, uint64_t>> reasons;
  // The rows a scan read whole (start rows without a limit, children found by scanned edges), as
  // the plan's select list gives them; whole[i] tells whether rows[i] is one of them.
  std::shared_ptr<RowSpool> whole_rows;
  std::vector<bool> whole;
  // A table read_by_filter: no rows above (and one reason, counted 0); its rows are those this
  // condition on the table (alias t) holds for, in whole_rows when read already.
  std::string filter;
};

struct SubsetRows {
  std::vector<SubsetTableRows> tables;  // as SubsetGraph::tables
};

// The start rows; their descendants through every edge followed downward; then every included
// row's parents, transitively (rows pulled in only as parents pull in no children). `plans` (as
// SubsetGraph::tables) give the select lists of the rows read whole: a table's scans read whole
// rows where `read_whole` says so (not where the client transforms its values, which would reach
// the disk untransformed, nor in a dry run) and no null_outside reference leaves it.
// `open_reader`, when given, opens a second connection into the export's snapshot: the tables
// read_by_filter (read whole) are read on it while the closure walks up to the parents.
SubsetRows find_subset_rows(Connection& connection, const SubsetGraph& graph, const std::vector<ExportPlan>& plans,
                            const std::vector<bool>& read_whole, const std::function<Connection()>& open_reader = {});

// Narrows each plan (as SubsetGraph::tables) to its subset rows: those read whole become its
// rows_read, the others its filter (a table read_by_filter: that filter). Exports each
// null_outside reference whose parent is not in the subset as NULL. Returns those cuts, one per
// foreign key that cut any row.
std::vector<SubsetCut> apply_subset(std::vector<ExportPlan>& plans, const SubsetGraph& graph, const SubsetRows& rows);

// The values of an encoded row (SubsetTableRows::rows); nullopt for NULL.
std::vector<std::optional<std::string>> decode_subset_row(std::string_view row);

}  // namespace pgtote
