// The migration-history tables of ORMs and migration tools, which export leaves out by default:
// copied into production they tell its migration tool that migrations ran when they did not.
#pragma once

#include <array>
#include <optional>
#include <span>
#include <string>
#include <string_view>

#include "pgtote/schema_model.h"

namespace pgtote {

// One table (or every table of one schema) that a framework keeps its migration state in.
// Names compare exactly, as PostgreSQL stores them (case-sensitive).
struct MigrationTable {
  std::string_view framework;               // "Django", shown in the export's note
  std::string_view schema;                  // empty: any schema
  std::string_view table;                   // empty: every table of `schema`
  std::array<std::string_view, 3> columns;  // must all exist; set for names too common to match alone
};

// Every known entry, in the order of docs/migration-tables.md.
std::span<const MigrationTable> migration_tables();

bool matches(const MigrationTable& entry, const Table& table);

// The framework that keeps `table`, nullopt when none does. When several entries match, the most
// specific wins (a fixed schema first, then more required columns); entries that cannot be told
// apart are joined: "Rails or dbmate".
std::optional<std::string> migration_framework(const Table& table);

inline bool is_migration_table(const Table& table) { return migration_framework(table).has_value(); }

}  // namespace pgtote
