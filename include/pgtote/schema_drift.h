// How a target's tables differ from the tables a snapshot (or a live source) carries: named,
// one line each, blocking or not, with the SQL that would add what is missing as a suggestion.
// Pure: compares two catalogs, no server needed.
#pragma once

#include <set>
#include <string>
#include <utility>
#include <vector>

#include "pgtote/schema_model.h"

namespace pgtote {

struct DriftItem {
  enum class Kind {
    missing_table,    // in the source, not in the target (blocking)
    missing_column,   // source column absent from the target (blocking unless ignored)
    required_column,  // target NOT NULL column without default, absent from the source (blocking)
    type_differs,     // same column, another type; says whether values convert
    key_differs,      // primary key or unique keys differ
    outside_parent,   // a target foreign key points to a table the source does not carry
  };
  Kind kind;
  std::string table;   // schema.name
  std::string column;  // empty for table-level items
  bool blocking = false;
  std::string message;     // one line, for people
  std::string suggestion;  // SQL that would fix it, or empty
};

const char* drift_kind_name(DriftItem::Kind kind);

// Drift of one source table against the target catalog. `source_tables` names every table the
// source carries (schema, name), to tell parents outside it. With `ignore_missing_columns`,
// missing columns are reported but do not block.
std::vector<DriftItem> table_drift(const Table& source, const std::vector<Table>& target_tables,
                                   const std::set<std::pair<std::string, std::string>>& source_tables,
                                   bool ignore_missing_columns);

// Drift of every source table against the target catalog.
std::vector<DriftItem> schema_drift(const std::vector<Table>& source_tables, const std::vector<Table>& target_tables);

// Whether values of type `from` read into type `to` (both as format_type prints them).
std::string conversion_note(const std::string& from, const std::string& to);

}  // namespace pgtote
