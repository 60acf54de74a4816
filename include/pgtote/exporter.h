// `pgtote export`: catalog -> order -> rows -> file, from one REPEATABLE READ snapshot.
#pragma once

#include <cstdint>
#include <functional>
#include <string>
#include <utility>
#include <vector>

#include "pgtote/anonymize_spec.h"
#include "pgtote/connection_target.h"
#include "pgtote/pg_conn.h"
#include "pgtote/run_facts.h"
#include "pgtote/schema_model.h"
#include "pgtote/subset_spec.h"
#include "pgtote/table_filter.h"

namespace pgtote {

struct ExportOptions {
  ConnectionTarget source;
  std::string output;  // a path, "-" for stdout, empty for exports/export-<time>.json
  TableSelection selection;
  bool progress = true;     // shown only when stderr is a terminal
  int jobs = 2;             // connections reading tables at once (one transaction snapshot)
  bool jobs_asked = false;  // -j or `jobs:` given: notes say when the export reads with one connection instead
  // false: row_security = off, and an export that row-level security would filter is refused
  // before any row is read. true: export the rows the role sees, and mark the snapshot filtered.
  bool enable_row_security = false;
  SubsetSpec subset;          // empty: every row of every selected table
  AnonymizeSpec anonymize;    // empty: values as stored
  bool dry_run = false;       // print per table the rows it would export, and why; write no file
  RunFacts* facts = nullptr;  // when set, filled as the export goes (the server's version)
};

struct TableStats {
  std::string schema;
  std::string name;
  uint64_t rows = 0;
  uint64_t bytes = 0;
  double seconds = 0;
  bool filtered_by_row_security = false;  // the role read this table through RLS policies
};

// What an export would read of one table (--dry-run), and why.
struct TablePreview {
  std::string schema;
  std::string name;
  uint64_t rows = 0;
  // Subset: "start", "child of public.User", "parent of public.Comment", with the rows that came in
  // first that way. Empty without a subset: every row.
  std::vector<std::pair<std::string, uint64_t>> reasons;
};

struct ExportResult {
  std::string path;                   // empty after a dry run: no file was written
  std::vector<TablePreview> preview;  // dry run only, in dependency order
  std::vector<TableStats> tables;
  TableStats totals;
};

// Tables selected and ordered, as export writes them (also what `pgtote order` prints).
struct OrderedTables {
  std::vector<Table> tables;  // in dependency order
  TableOrder order;           // positions in `tables`: order is 0..n-1, components as found
  std::vector<std::string> notes;
};
OrderedTables select_and_order(Connection& connection, const TableSelection& selection);

// `notify` receives one-line notes for the user (tables left out...).
ExportResult run_export(const ExportOptions& options, const std::function<void(const std::string&)>& notify);

// Default output name: exports/export-YYYY-MM-DDTHH-MM-SS.json (local time).
std::string default_export_path();

}  // namespace pgtote
