// Values at the edges of what PostgreSQL stores (tests/fixtures/extremes.sql) survive export and
// import unchanged: lone surrogates and deep nesting in json, huge values, every byte and code point.
#include <doctest/doctest.h>

#include "pgtote/importer.h"
#include "pgtote/snapshot_reader.h"
#include "test_db.h"

using namespace pgtote;

namespace {
ImportResult import_into(const test::TestDatabase& db, const std::string& path) {
  ImportOptions options;
  options.target = {db.conninfo(), "test"};
  options.snapshot_path = path;
  options.progress = false;
  return run_import(options, [](const std::string&) {});
}
}  // namespace

TEST_CASE("every extreme value re-imports identically, and a second import writes nothing [db]") {
  test::TestDatabase source, target;
  source.load_fixture("extremes.sql");
  // numeric infinity (extremes.14.sql) is PostgreSQL 14 and later.
  const int rows = test::server_has(source, 14, "numeric infinity") ? 37 : 36;
  CHECK(source.query_value("SELECT count(*) FROM extreme") == std::to_string(rows));
  // The deepest nesting is close to what the server accepts with its default max_stack_depth.
  CHECK(source.query_value("SELECT length(c_jsonb::text) FROM extreme WHERE label = 'arrays nested 14000'") == "28003");
  test::copy_schema(source, target);
  std::string path = test::temp_path("extremes.json");
  test::export_database(source, path);
  CHECK(SnapshotReader(path).info().version == 2);

  ImportResult first = import_into(target, path);
  REQUIRE(first.ok);
  CHECK(first.totals.inserted == rows);
  CHECK(test::table_digests(target) == test::table_digests(source));

  ImportResult second = import_into(target, path);
  REQUIRE(second.ok);
  CHECK(second.totals.inserted == 0);
  CHECK(second.totals.updated == 0);
  CHECK(second.totals.unchanged == rows);
  CHECK(test::table_digests(target) == test::table_digests(source));
}
