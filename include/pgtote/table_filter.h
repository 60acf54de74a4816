// Which tables a command works on: -n schemas, -t/-T patterns, migration-history and audit
// tables. Shared by export and import so both select tables the same way.
#pragma once

#include <optional>
#include <string>
#include <vector>

#include "pgtote/schema_model.h"

namespace pgtote {

struct TableSelection {
  std::vector<std::string> schemas;           // -n; empty: all
  std::vector<std::string> include_patterns;  // -t; empty: all
  std::vector<std::string> exclude_patterns;  // -T
  bool include_migration_tables = false;
  bool skip_audit = false;
  std::vector<std::string> audit_patterns;  // empty: the defaults (*audit*, schema audit)
};

struct FilterResult {
  std::vector<Table> tables;         // kept, in their original order
  std::vector<std::string> notes;    // one line per group left out, for the user
  std::vector<std::string> skipped;  // qualified names left out by the audit rule
};

bool is_audit_table(const Table& table, const std::vector<std::string>& audit_patterns);

// Why -n/-t/-T (and, when `audit`, --skip-audit) leave `table` out; nullopt when they keep it.
std::optional<std::string> selection_excludes(const Table& table, const TableSelection& selection, bool audit);

// Throws Error(usage) when a -n schema or a -t/-T pattern matches no table.
FilterResult filter_tables(std::vector<Table> tables, const TableSelection& selection);

}  // namespace pgtote
