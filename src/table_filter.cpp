// Table selection rules. Patterns match `name` or `schema.name`, as pg_dump's -t does.
#include "pgtote/table_filter.h"

#include <algorithm>

#include "pgtote/error.h"
#include "pgtote/glob.h"
#include "pgtote/migration_tables.h"

namespace pgtote {

static bool matches(const std::string& pattern, const Table& table, bool ignore_case = false) {
  return glob_match(pattern, table.name, ignore_case) || glob_match(pattern, table.qualified_name(), ignore_case);
}

bool is_audit_table(const Table& table, const std::vector<std::string>& audit_patterns) {
  if (audit_patterns.empty()) return table.schema == "audit" || glob_match("*audit*", table.name, true);
  for (const auto& pattern : audit_patterns)
    if (matches(pattern, table, true)) return true;
  return false;
}

std::optional<std::string> selection_excludes(const Table& table, const TableSelection& selection, bool audit) {
  auto matched = [&](const std::string& p) { return matches(p, table); };
  if (!selection.schemas.empty() &&
      std::find(selection.schemas.begin(), selection.schemas.end(), table.schema) == selection.schemas.end())
    return "not in the schemas chosen with -n";
  if (!selection.include_patterns.empty() &&
      std::none_of(selection.include_patterns.begin(), selection.include_patterns.end(), matched))
    return "not matched by -t";
  if (std::any_of(selection.exclude_patterns.begin(), selection.exclude_patterns.end(), matched))
    return "excluded by -T";
  if (audit && selection.skip_audit && is_audit_table(table, selection.audit_patterns))
    return "audit table (--skip-audit)";
  return std::nullopt;
}

static std::string join(const std::vector<std::string>& items) {
  std::string out;
  for (const auto& item : items) out += (out.empty() ? "" : ", ") + item;
  return out;
}

FilterResult filter_tables(std::vector<Table> tables, const TableSelection& selection) {
  for (const auto& schema : selection.schemas)
    if (std::none_of(tables.begin(), tables.end(), [&](const Table& t) { return t.schema == schema; }))
      throw Error(ExitCode::usage, "-n " + schema + ": no table in this schema (or no such schema)");
  for (const auto* patterns : {&selection.include_patterns, &selection.exclude_patterns})
    for (const auto& pattern : *patterns)
      if (std::none_of(tables.begin(), tables.end(), [&](const Table& t) { return matches(pattern, t); }))
        throw Error(ExitCode::usage, "table pattern '" + pattern + "' matches no table");

  FilterResult result;
  std::vector<std::string> migrations;
  for (auto& table : tables) {
    if (selection_excludes(table, selection, false)) continue;
    if (!selection.include_migration_tables) {
      if (auto framework = migration_framework(table)) {
        migrations.push_back(table.qualified_name() + " (" + *framework + ")");
        continue;
      }
    }
    if (selection.skip_audit && is_audit_table(table, selection.audit_patterns)) {
      result.skipped.push_back(table.qualified_name());
      continue;
    }
    result.tables.push_back(std::move(table));
  }
  if (!migrations.empty())
    result.notes.push_back("left out migration-history tables (--include-migration-tables keeps them): " +
                           join(migrations));
  if (!result.skipped.empty()) result.notes.push_back("left out audit tables (--skip-audit): " + join(result.skipped));
  return result;
}

}  // namespace pgtote
