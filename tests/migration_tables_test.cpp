// Which tables count as migration history, without a server: every entry is recognized, common
// names need their columns, and docs/migration-tables.md lists exactly the entries of the code.
#include "pgtote/migration_tables.h"

#include <doctest/doctest.h>

#include <algorithm>
#include <fstream>

#include "pgtote/table_filter.h"

using namespace pgtote;

namespace {

Table make_table(std::string schema, std::string name, std::vector<std::string> columns) {
  Table table;
  table.schema = std::move(schema);
  table.name = std::move(name);
  for (auto& name : columns) {
    Column column;
    column.name = std::move(name);
    table.columns.push_back(std::move(column));
  }
  return table;
}

// A table shaped as `entry` describes it, less the column `without` (when given).
Table table_for(const MigrationTable& entry, std::string_view without = {}) {
  std::vector<std::string> columns;
  for (auto column : entry.columns)
    if (!column.empty() && column != without) columns.emplace_back(column);
  return make_table(entry.schema.empty() ? "public" : std::string(entry.schema),
                    entry.table.empty() ? "anything" : std::string(entry.table), columns);
}

// The frameworks of "Rails or dbmate", one by one.
std::vector<std::string> frameworks_of(const std::optional<std::string>& text) {
  std::vector<std::string> out;
  if (!text) return out;
  size_t start = 0;
  for (size_t at; (at = text->find(" or ", start)) != std::string::npos; start = at + 4)
    out.push_back(text->substr(start, at - start));
  out.push_back(text->substr(start));
  return out;
}

bool names(const std::optional<std::string>& text, std::string_view framework) {
  auto all = frameworks_of(text);
  return std::find(all.begin(), all.end(), framework) != all.end();
}

}  // namespace

TEST_CASE("every listed entry is recognized and named after its framework") {
  REQUIRE(migration_tables().size() >= 30);
  for (const auto& entry : migration_tables()) {
    Table table = table_for(entry);
    CAPTURE(table.qualified_name());
    CHECK(matches(entry, table));
    CHECK(is_migration_table(table));
    CHECK(names(migration_framework(table), entry.framework));
  }
}

TEST_CASE("a common name without one of the framework's columns is not that framework's") {
  for (const auto& entry : migration_tables())
    for (auto column : entry.columns) {
      if (column.empty()) continue;
      Table table = table_for(entry, column);
      CAPTURE(table.qualified_name());
      CAPTURE(column);
      CHECK_FALSE(matches(entry, table));
      CHECK_FALSE(names(migration_framework(table), entry.framework));
    }
}

TEST_CASE("user tables with common names, other cases or other schemas are kept") {
  CHECK_FALSE(is_migration_table(make_table("public", "migrations", {"id", "title", "body"})));
  CHECK_FALSE(is_migration_table(make_table("public", "migrations", {"id", "name"})));
  CHECK_FALSE(is_migration_table(make_table("public", "schema_migrations", {"id", "name"})));
  CHECK_FALSE(is_migration_table(make_table("public", "migration", {"version"})));
  CHECK_FALSE(is_migration_table(make_table("public", "schema_version", {"version"})));
  CHECK_FALSE(is_migration_table(make_table("public", "sequelizemeta", {"name"})));
  CHECK_FALSE(is_migration_table(make_table("public", "__efmigrationshistory", {})));
  CHECK_FALSE(is_migration_table(make_table("public", "Django_migrations", {})));
  CHECK_FALSE(is_migration_table(make_table("public", "changes", {})));  // Sqitch's, but not in schema sqitch
  CHECK_FALSE(is_migration_table(make_table("Sqitch", "changes", {})));
  CHECK_FALSE(is_migration_table(make_table("public", "users", {"id", "migration", "batch_id"})));
}

TEST_CASE("the most specific entry names the framework, and ties name them all") {
  CHECK(migration_framework(make_table("public", "schema_migrations", {"version"})) == "Rails or dbmate");
  CHECK(migration_framework(make_table("public", "schema_migrations", {"version", "dirty"})) == "golang-migrate");
  CHECK(migration_framework(make_table("public", "schema_migrations", {"version", "inserted_at"})) == "Ecto");
  CHECK(migration_framework(make_table("auth", "schema_migrations", {"version"})) == "Supabase Auth");
  CHECK(migration_framework(make_table("hdb_catalog", "schema_migrations", {"version", "dirty"})) == "Hasura");
  CHECK(migration_framework(make_table("public", "migrations", {"id", "migration", "batch"})) == "Laravel");
  CHECK(migration_framework(make_table("public", "migrations", {"id", "timestamp", "name"})) == "TypeORM");
  CHECK(migration_framework(make_table("drizzle", "__drizzle_migrations", {"id", "hash"})) == "Drizzle");
  CHECK(migration_framework(make_table("public", "__drizzle_migrations", {})) == "Drizzle");
  CHECK(migration_framework(make_table("supabase_migrations", "seed_files", {})) == "Supabase");
}

TEST_CASE("filter_tables leaves migration tables out with a note naming each framework") {
  std::vector<Table> tables = {make_table("public", "ar_internal_metadata", {"key", "value"}),
                               make_table("public", "django_migrations", {"id", "app", "name", "applied"}),
                               make_table("public", "migrations", {"id", "title"}),
                               make_table("public", "users", {"id"})};
  FilterResult result = filter_tables(tables, {});
  REQUIRE(result.tables.size() == 2);
  CHECK(result.tables[0].name == "migrations");
  CHECK(result.tables[1].name == "users");
  REQUIRE(result.notes.size() == 1);
  CHECK(result.notes[0] ==
        "left out migration-history tables (--include-migration-tables keeps them): "
        "public.ar_internal_metadata (Rails), public.django_migrations (Django)");

  TableSelection keep;
  keep.include_migration_tables = true;
  result = filter_tables(tables, keep);
  CHECK(result.tables.size() == 4);
  CHECK(result.notes.empty());
}

TEST_CASE("docs/migration-tables.md has one row per entry, in the code's order") {
  std::ifstream file(std::string(PGTOTE_FIXTURES) + "/../../docs/migration-tables.md");
  REQUIRE(file);
  std::vector<std::string> rows;
  for (std::string line; std::getline(file, line);)
    if (line.starts_with("| ") && !line.starts_with("| Framework ")) rows.push_back(line);
  auto code = [](std::string_view name) { return "`" + std::string(name) + "`"; };
  std::vector<std::string> expected;
  for (const auto& entry : migration_tables()) {
    std::string columns;
    for (auto column : entry.columns)
      if (!column.empty()) columns += (columns.empty() ? "" : ", ") + code(column);
    expected.push_back(
        "| " + std::string(entry.framework) + " | " + (entry.schema.empty() ? "any" : code(entry.schema)) + " | " +
        (entry.table.empty() ? "every table" : code(entry.table)) + " | " + (columns.empty() ? "-" : columns) + " |");
  }
  CHECK(rows == expected);
}
