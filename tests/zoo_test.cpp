// The schema zoo (tests/fixtures/zoo/): the shapes real frameworks leave behind must round-trip
// into a schema-only copy, with the dry run predicting the import exactly and a second import idle.
#include <doctest/doctest.h>

#include <map>
#include <optional>

#include "pgtote/error.h"
#include "pgtote/importer.h"
#include "test_db.h"

using namespace pgtote;

namespace {

// Runs an import; a thrown Error fails the check with its message instead of ending the test, so
// one run reports every step that fails.
std::optional<ImportResult> try_import(const test::TestDatabase& db, const std::string& path, bool dry_run) {
  ImportOptions options;
  options.target = {db.conninfo(), "test"};
  options.snapshot_path = path;
  options.progress = false;
  options.dry_run = dry_run;
  try {
    return run_import(options, [](const std::string&) {});
  } catch (const Error& error) {
    FAIL_CHECK(std::string(dry_run ? "dry run" : "import")
               << " threw (exit code " << static_cast<int>(error.code()) << "): " << std::string(error.what()));
    return std::nullopt;
  }
}

// One line per table with its counts, then the problems: shown when a check fails.
std::string describe(const ImportResult& result) {
  std::string text;
  for (const auto& t : result.tables)
    text += "\n  " + t.schema + "." + t.name + ": inserted " + std::to_string(t.inserted) + ", updated " +
            std::to_string(t.updated) + ", unchanged " + std::to_string(t.unchanged) + ", skipped " +
            std::to_string(t.skipped) + ", conflicts " + std::to_string(t.conflicts) + ", errors " +
            std::to_string(t.errors);
  for (const auto& p : result.problems) {
    text += "\n  problem in " + p.table + ": " + p.kind + " x" + std::to_string(p.count);
    for (const auto& example : p.examples) text += "\n    " + example;
  }
  for (const auto& d : result.drift) text += "\n  drift: " + d.message;
  return text;
}

void check_same_counts(const ImportResult& dry, const ImportResult& import) {
  CHECK(dry.dry_run);
  CHECK(dry.ok == import.ok);
  REQUIRE(dry.tables.size() == import.tables.size());
  for (size_t i = 0; i < import.tables.size(); ++i) {
    const TableImportStats &d = dry.tables[i], &m = import.tables[i];
    CAPTURE(m.schema + "." + m.name);
    CHECK(d.schema + "." + d.name == m.schema + "." + m.name);
    CHECK(d.inserted == m.inserted);
    CHECK(d.updated == m.updated);
    CHECK(d.unchanged == m.unchanged);
    CHECK(d.skipped == m.skipped);
    CHECK(d.conflicts == m.conflicts);
    CHECK(d.errors == m.errors);
  }
}

// Every table holds the same rows in both databases; a difference names its table.
void check_same_rows(const test::TestDatabase& expected, const test::TestDatabase& actual) {
  std::map<std::string, std::string> want = test::table_digests(expected), got = test::table_digests(actual);
  for (const auto& [table, digest] : want) CHECK_MESSAGE(got[table] == digest, "rows differ in " << table);
  CHECK(got.size() == want.size());
}

// Result: table (qualified, quoted), column (quoted), sequence (regclass text), one row per column
// whose default (inherited copies included) or identity draws from a sequence.
constexpr const char* sequence_columns_sql = R"SQL(
SELECT pg_catalog.format('%I.%I', n.nspname, c.relname), pg_catalog.quote_ident(a.attname), s.oid::pg_catalog.regclass::text
FROM pg_catalog.pg_depend d
JOIN pg_catalog.pg_attrdef ad ON d.classid = 'pg_catalog.pg_attrdef'::pg_catalog.regclass AND ad.oid = d.objid
JOIN pg_catalog.pg_class s ON s.oid = d.refobjid AND s.relkind = 'S'
JOIN pg_catalog.pg_class c ON c.oid = ad.adrelid
JOIN pg_catalog.pg_namespace n ON n.oid = c.relnamespace
JOIN pg_catalog.pg_attribute a ON a.attrelid = ad.adrelid AND a.attnum = ad.adnum
WHERE d.refclassid = 'pg_catalog.pg_class'::pg_catalog.regclass
UNION
SELECT pg_catalog.format('%I.%I', n.nspname, c.relname), pg_catalog.quote_ident(a.attname), s.oid::pg_catalog.regclass::text
FROM pg_catalog.pg_depend d
JOIN pg_catalog.pg_class s ON s.oid = d.objid AND s.relkind = 'S'
JOIN pg_catalog.pg_class c ON c.oid = d.refobjid
JOIN pg_catalog.pg_namespace n ON n.oid = c.relnamespace
JOIN pg_catalog.pg_attribute a ON a.attrelid = d.refobjid AND a.attnum = d.refobjsubid
WHERE d.classid = 'pg_catalog.pg_class'::pg_catalog.regclass AND d.deptype = 'i'
ORDER BY 1, 2
)SQL";

// After the import, the next value of every sequence lies above the values already in the columns
// it feeds: inheritance children that share their parent's sequence included.
void check_sequences_ahead(const test::TestDatabase& db) {
  Connection c = db.connect();
  Result columns = c.exec(sequence_columns_sql);
  for (int i = 0; i < columns.rows(); ++i) {
    std::string table = columns.text(i, 0), column = columns.text(i, 1), sequence = columns.text(i, 2);
    CAPTURE(table + "." + column + " <- " + sequence);
    Result r = c.exec("SELECT (SELECT coalesce(max(" + column + "), 0) FROM " + table +
                      ")::text, (SELECT CASE WHEN is_called THEN last_value ELSE last_value - 1 END FROM " + sequence +
                      ")::text");
    CHECK(std::stoll(r.text(0, 0)) <= std::stoll(r.text(0, 1)));
  }
}

// Loads the fixture into a source, copies its schema to a target, exports with the migration
// tables, then dry-runs, imports and imports again.
void check_round_trip(const std::string& fixture) {
  test::TestDatabase source, target;
  source.load_fixture("zoo/" + fixture);
  test::copy_schema(source, target);
  std::string path = test::temp_path(fixture + ".json");
  try {
    test::export_database(source, path, true);
  } catch (const Error& error) {
    FAIL("export threw (exit code " << static_cast<int>(error.code()) << "): " << std::string(error.what()));
  }

  std::optional<ImportResult> dry = try_import(target, path, true);
  std::optional<ImportResult> first = try_import(target, path, false);
  INFO("dry run:" << (dry ? describe(*dry) : " threw"));
  INFO("import:" << (first ? describe(*first) : " threw"));
  if (first) {
    CHECK(first->ok);
    CHECK(first->problems.empty());
    if (dry) check_same_counts(*dry, *first);
  }
  check_same_rows(source, target);
  if (!first || !first->ok) return;
  check_sequences_ahead(target);

  std::optional<ImportResult> second = try_import(target, path, false);
  REQUIRE(second);
  INFO("second import:" << describe(*second));
  CHECK(second->ok);
  CHECK(second->totals.inserted == 0);
  CHECK(second->totals.updated == 0);
  CHECK(second->totals.unchanged == first->totals.inserted + first->totals.updated + first->totals.unchanged);
  check_same_rows(source, target);
}

}  // namespace

TEST_CASE("zoo: Rails, polymorphic comments and a soft-delete partial unique index [db]") {
  check_round_trip("rails.sql");
}

TEST_CASE("zoo: Django, deferrable foreign keys, a many-to-many table and a self-reference [db]") {
  check_round_trip("django.sql");
}

TEST_CASE("zoo: Laravel, migrations, unique email, soft deletes and morph tables [db]") {
  check_round_trip("laravel.sql");
}

TEST_CASE("zoo: Prisma, quoted CamelCase, cuid ids, enums and the implicit _PostToTag table [db]") {
  check_round_trip("prisma.sql");
}

TEST_CASE("zoo: Drizzle, identity columns, jsonb, uuid defaults, citext and an expression index [db]") {
  check_round_trip("drizzle.sql");
}

TEST_CASE("zoo: Supabase, auth.users, profiles with row level security, supabase_migrations [db]") {
  check_round_trip("supabase.sql");
}

TEST_CASE("zoo: partitions with foreign keys on the partitions, and inheritance sharing a sequence [db]") {
  check_round_trip("partitions.sql");
}
