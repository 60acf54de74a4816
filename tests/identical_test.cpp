// "Unchanged means identical": after an import the target stores exactly the snapshot's values,
// even where PostgreSQL calls another form equal (citext case, numeric scale, interval units,
// -0, jsonb numbers, nondeterministic collations); a second import writes nothing; the dry run's
// counts are the import's. Also the shapes at the edges: zero columns, 1,600 columns, columns
// named like pgtote's internals, and target triggers that rewrite what is written.
#include <doctest/doctest.h>

#include <optional>

#include "pgtote/error.h"
#include "pgtote/importer.h"
#include "test_db.h"

using namespace pgtote;

namespace {

struct Run {
  ImportResult result;
  std::vector<std::string> notes;  // what `notify` received
};

// Runs an import through the library. A thrown Error fails the test with its message.
Run import_into(const test::TestDatabase& db, const std::string& path, bool dry_run = false, int show_diff = 0,
                const std::function<void(ImportOptions&)>& adjust = nullptr) {
  ImportOptions options;
  options.target = {db.conninfo(), "test"};
  options.snapshot_path = path;
  options.progress = false;
  options.dry_run = dry_run;
  options.show_diff = show_diff;
  if (adjust) adjust(options);
  Run run;
  try {
    run.result = run_import(options, [&](const std::string& note) { run.notes.push_back(note); });
  } catch (const Error& error) {
    FAIL(std::string(dry_run ? "dry run" : "import")
         << " threw (exit code " << static_cast<int>(error.code()) << "): " << std::string(error.what()));
  }
  return run;
}

std::string describe(const ImportResult& result) {
  std::string text;
  for (const auto& t : result.tables)
    text += "\n  " + t.schema + "." + t.name + ": inserted " + std::to_string(t.inserted) + ", updated " +
            std::to_string(t.updated) + ", unchanged " + std::to_string(t.unchanged) + ", skipped " +
            std::to_string(t.skipped) + ", errors " + std::to_string(t.errors);
  for (const auto& p : result.problems) {
    text += "\n  problem in " + p.table + ": " + p.kind + " x" + std::to_string(p.count);
    for (const auto& example : p.examples) text += "\n    " + example;
  }
  for (const auto& d : result.diffs) text += "\n  diff: " + d;
  return text;
}

const TableImportStats& stats_of(const ImportResult& result, const std::string& qualified) {
  for (const auto& t : result.tables)
    if (t.schema + "." + t.name == qualified) return t;
  FAIL("no statistics for " << qualified);
  return result.tables.front();
}

// inserted, updated, unchanged of one table.
struct Counts {
  uint64_t inserted = 0, updated = 0, unchanged = 0;
  bool operator==(const Counts&) const = default;
};

doctest::String toString(const Counts& c) {
  return ("inserted " + std::to_string(c.inserted) + ", updated " + std::to_string(c.updated) + ", unchanged " +
          std::to_string(c.unchanged))
      .c_str();
}

Counts counts_of(const ImportResult& result, const std::string& qualified) {
  const TableImportStats& s = stats_of(result, qualified);
  return {s.inserted, s.updated, s.unchanged};
}

void check_same_counts(const ImportResult& dry, const ImportResult& import) {
  CHECK(dry.dry_run);
  CHECK(dry.ok == import.ok);
  REQUIRE(dry.tables.size() == import.tables.size());
  for (size_t i = 0; i < import.tables.size(); ++i) {
    const TableImportStats &d = dry.tables[i], &m = import.tables[i];
    CAPTURE(m.schema + "." + m.name);
    CHECK(d.inserted == m.inserted);
    CHECK(d.updated == m.updated);
    CHECK(d.unchanged == m.unchanged);
    CHECK(d.skipped == m.skipped);
    CHECK(d.errors == m.errors);
  }
}

// A second import of the same snapshot: every staged row unchanged, nothing written.
void check_writes_nothing(const ImportResult& again, uint64_t rows) {
  INFO(describe(again));
  CHECK(again.ok);
  CHECK(again.totals.inserted == 0);
  CHECK(again.totals.updated == 0);
  CHECK(again.totals.unchanged == rows);
}

bool has_diff(const ImportResult& result, const std::string& text) {
  for (const auto& d : result.diffs)
    if (d == text) return true;
  return false;
}

// The rows of `table` as text, ordered by their text: what a user compares by eye.
std::string rows_text(const test::TestDatabase& db, const std::string& table) {
  return db.query_value("SELECT coalesce(string_agg(x::text, ' | ' ORDER BY x::text COLLATE \"C\"), '') FROM " + table +
                        " x");
}

}  // namespace

// ---------------------------------------------------------------------------------------------
// A. Unchanged means identical.

TEST_CASE("identical: values the target holds in an equal but different form are updated to the snapshot's [db]") {
  test::TestDatabase source, target;
  REQUIRE(source.query_value("SELECT count(*) > 0 FROM pg_collation WHERE collprovider = 'i'") == "t");
  source.load_fixture("identical_forms.sql");
  target.load_fixture("identical_forms.sql");
  source.exec(
      "INSERT INTO person VALUES (1, 'Alice'), (2, 'Bob');"
      "INSERT INTO mailbox VALUES ('Alice@Example.com', 'a'), ('bob@example.com', 'b');"
      "INSERT INTO price VALUES (1, 10.50), (2, 3.0);"
      "INSERT INTO span VALUES (1, '1 day'), (2, '01:00:00');"
      "INSERT INTO reading VALUES (1, '-0'), (2, 1.5), (3, 0);"
      "INSERT INTO document VALUES (1, '{\"n\": 1.0}'), (2, '{\"n\": 2}');"
      "INSERT INTO label VALUES (1, 'Alice'), (2, 'Bob');"
      "INSERT INTO tag VALUES ('Alice', 'x'), ('Bob', 'y');"
      "INSERT INTO loose_price VALUES (10.50);");
  target.exec(
      "INSERT INTO person VALUES (1, 'alice'), (2, 'Bob');"
      "INSERT INTO mailbox VALUES ('alice@example.com', 'a'), ('bob@example.com', 'b');"
      "INSERT INTO price VALUES (1, 10.5), (2, 3.0);"
      "INSERT INTO span VALUES (1, '24:00:00'), (2, '01:00:00');"
      "INSERT INTO reading VALUES (1, 0), (2, 1.5), (3, '-0');"
      "INSERT INTO document VALUES (1, '{\"n\": 1}'), (2, '{\"n\": 2}');"
      "INSERT INTO label VALUES (1, 'alice'), (2, 'Bob');"
      "INSERT INTO tag VALUES ('alice', 'x'), ('Bob', 'y');"
      "INSERT INTO loose_price VALUES (10.5);");
  // The two databases hold rows PostgreSQL calls equal, in other forms.
  REQUIRE(target.query_value("SELECT (SELECT amount FROM price WHERE id = 1) = 10.50") == "t");
  REQUIRE(target.query_value("SELECT (SELECT name FROM label WHERE id = 1) = 'Alice' COLLATE ci") == "t");
  std::string path = test::temp_path("forms.json");
  test::export_database(source, path);

  Run dry = import_into(target, path, true, 10);
  Run first = import_into(target, path);
  INFO("import:" << describe(first.result));
  REQUIRE(first.result.ok);
  const Counts changed_one{0, 1, 1};
  CHECK(counts_of(first.result, "public.person") == changed_one);
  CHECK(counts_of(first.result, "public.mailbox") == changed_one);
  CHECK(counts_of(first.result, "public.price") == changed_one);
  CHECK(counts_of(first.result, "public.span") == changed_one);
  CHECK(counts_of(first.result, "public.reading") == Counts{0, 2, 1});
  CHECK(counts_of(first.result, "public.document") == changed_one);
  CHECK(counts_of(first.result, "public.label") == changed_one);
  CHECK(counts_of(first.result, "public.tag") == changed_one);
  // No key: the snapshot's 10.50 is not the target's 10.5, so it is added; the target's own row
  // stays (pgtote never deletes).
  CHECK(counts_of(first.result, "public.loose_price") == Counts{1, 0, 0});
  check_same_counts(dry.result, first.result);

  // Afterwards the target stores exactly the snapshot's values.
  auto want = test::table_digests(source), got = test::table_digests(target);
  for (const auto& [table, digest] : want) {
    if (table == "public.loose_price") continue;
    CHECK_MESSAGE(got[table] == digest,
                  "rows differ in " << table << ": " << rows_text(target, table) << " vs " << rows_text(source, table));
  }
  CHECK(rows_text(target, "person") == "(1,Alice) | (2,Bob)");
  CHECK(rows_text(target, "mailbox") == "(Alice@Example.com,a) | (bob@example.com,b)");
  CHECK(rows_text(target, "price") == "(1,10.50) | (2,3.0)");
  CHECK(rows_text(target, "span") == "(1,\"1 day\") | (2,01:00:00)");
  CHECK(rows_text(target, "reading") == "(1,-0) | (2,1.5) | (3,0)");
  CHECK(rows_text(target, "document") == "(1,\"{\"\"n\"\": 1.0}\") | (2,\"{\"\"n\"\": 2}\")");
  CHECK(rows_text(target, "label") == "(1,Alice) | (2,Bob)");
  CHECK(rows_text(target, "tag") == "(Alice,x) | (Bob,y)");
  CHECK(rows_text(target, "loose_price") == "(10.5) | (10.50)");

  // The dry run showed each change, before -> after.
  INFO("dry run:" << describe(dry.result));
  CHECK(has_diff(dry.result, "public.person (id=1) row 1\n    name: alice -> Alice"));
  CHECK(has_diff(dry.result, "public.mailbox (email=Alice@Example.com) row 1"));
  CHECK(has_diff(dry.result, "public.price (id=1) row 1\n    amount: 10.5 -> 10.50"));
  CHECK(has_diff(dry.result, "public.span (id=1) row 1\n    length: 24:00:00 -> 1 day"));
  CHECK(has_diff(dry.result, "public.reading (id=1) row 1\n    value: 0 -> -0"));
  CHECK(has_diff(dry.result, "public.reading (id=3) row 3\n    value: -0 -> 0"));
  CHECK(has_diff(dry.result, "public.document (id=1) row 1\n    body: {\"n\": 1} -> {\"n\": 1.0}"));
  CHECK(has_diff(dry.result, "public.label (id=1) row 1\n    name: alice -> Alice"));
  CHECK(has_diff(dry.result, "public.tag (name=Alice) row 1"));
  CHECK(dry.result.diffs.size() == 9);

  // Once identical, nothing is written again, and the dry run says so too.
  Run again = import_into(target, path);
  check_writes_nothing(again.result, 18);
  Run dry_again = import_into(target, path, true, 10);
  check_same_counts(dry_again.result, again.result);
  CHECK(dry_again.result.diffs.empty());
}

// ---------------------------------------------------------------------------------------------
// B. Zero-column tables.

TEST_CASE("identical: a table without columns round-trips its rows, and a second import writes nothing [db]") {
  test::TestDatabase source, target;
  source.exec(
      "CREATE TABLE z (); INSERT INTO z DEFAULT VALUES; INSERT INTO z DEFAULT VALUES; "
      "INSERT INTO z DEFAULT VALUES");
  target.exec("CREATE TABLE z ()");
  std::string path = test::temp_path("zero.json");
  test::export_database(source, path);

  Run dry = import_into(target, path, true, 10);
  Run first = import_into(target, path);
  INFO("import:" << describe(first.result));
  REQUIRE(first.result.ok);
  CHECK(counts_of(first.result, "public.z") == Counts{3, 0, 0});
  check_same_counts(dry.result, first.result);
  CHECK(target.query_value("SELECT count(*) FROM z") == "3");
  CHECK(test::table_digests(target) == test::table_digests(source));

  Run again = import_into(target, path);
  check_writes_nothing(again.result, 3);
  check_same_counts(import_into(target, path, true, 10).result, again.result);
  CHECK(target.query_value("SELECT count(*) FROM z") == "3");
}

// ---------------------------------------------------------------------------------------------
// C. Wide tables, up to PostgreSQL's 1,600 columns.

namespace {

// `wide`: id and c2..c<columns>, all int.
std::string wide_table_sql(int columns) {
  std::string sql = "CREATE TABLE wide (id int PRIMARY KEY";
  for (int c = 2; c <= columns; ++c) sql += ", c" + std::to_string(c) + " int";
  return sql + ")";
}

// Rows first..last, every column holding the row's id.
std::string wide_rows_sql(int columns, int first, int last) {
  std::string sql = "INSERT INTO wide SELECT g";
  for (int c = 2; c <= columns; ++c) sql += ", g";
  return sql + " FROM generate_series(" + std::to_string(first) + ", " + std::to_string(last) + ") g";
}

// Source rows 1..3; the target holds rows 1 and 2, row 2 changed in two columns: the dry run shows
// the change, the import inserts one row and updates one, and a second import writes nothing.
void check_wide(int columns) {
  test::TestDatabase source, target;
  source.exec(wide_table_sql(columns));
  source.exec(wide_rows_sql(columns, 1, 3));
  target.exec(wide_table_sql(columns));
  target.exec(wide_rows_sql(columns, 1, 2));
  int middle = columns / 2;
  std::string mid = "c" + std::to_string(middle), last = "c" + std::to_string(columns);
  target.exec("UPDATE wide SET " + mid + " = -2, " + last + " = NULL WHERE id = 2");
  std::string path = test::temp_path("wide.json");
  test::export_database(source, path);

  Run dry = import_into(target, path, true, 10);
  INFO("dry run:" << describe(dry.result));
  CHECK(dry.result.ok);
  CHECK(dry.result.diffs ==
        std::vector<std::string>{"public.wide (id=2) row 2\n    " + mid + ": -2 -> 2\n    " + last + ": NULL -> 2"});
  Run first = import_into(target, path);
  INFO("import:" << describe(first.result));
  REQUIRE(first.result.ok);
  CHECK(counts_of(first.result, "public.wide") == Counts{1, 1, 1});
  check_same_counts(dry.result, first.result);
  CHECK(test::table_digests(target) == test::table_digests(source));

  Run again = import_into(target, path);
  check_writes_nothing(again.result, 3);
  Run dry_again = import_into(target, path, true, 10);
  check_same_counts(dry_again.result, again.result);
  CHECK(dry_again.result.diffs.empty());
}

}  // namespace

TEST_CASE("identical: a table of 1,000 columns: dry run with diff, import, re-import [db]") { check_wide(1000); }

TEST_CASE("identical: a table of 1,599 columns: dry run with diff, import, re-import [db]") { check_wide(1599); }

TEST_CASE("identical: a table of 1,600 columns: dry run with diff, import, re-import [db]") { check_wide(1600); }

// ---------------------------------------------------------------------------------------------
// D. Names that collide with pgtote's internal names and aliases.

namespace {

constexpr const char* names_rows = R"SQL(
INSERT INTO collide VALUES (1, 'r1', 'r1_', 's1', 't1', 'p1', 'yes', 10, 20), (2, 'r2', 'r2_', 's2', 't2', 'p2', 'no', 11, 21);
INSERT INTO p VALUES (1, 1, 'pt1'), (2, 2, 'pt2');
INSERT INTO s VALUES (1, NULL, 1, 5), (2, 1, 2, 6);
INSERT INTO t VALUES ('a', 'b', 1.50, 7), ('c', 'd', 2, 8);
)SQL";

}  // namespace

TEST_CASE("identical: columns named __pgtote_row, s, t, p round-trip, re-import and show their diff [db]") {
  test::TestDatabase source, target;
  source.load_fixture("identical_names.sql");
  target.load_fixture("identical_names.sql");
  source.exec(names_rows);
  std::string path = test::temp_path("names.json");
  test::export_database(source, path);

  Run first = import_into(target, path);
  INFO("first import:" << describe(first.result));
  REQUIRE(first.result.ok);
  CHECK(first.result.totals.inserted == 8);
  CHECK(test::table_digests(target) == test::table_digests(source));
  Run again = import_into(target, path);
  check_writes_nothing(again.result, 8);

  // The target drifts: changed values in the colliding columns, a row missing from each of s and t.
  target.exec(
      "UPDATE collide SET \"__pgtote_row\" = 'old', \"__pgtote_row_\" = 'old_', s = 'S', t = NULL, p = 'P', "
      "pgtote_present = 'maybe', u0 = 0, i0 = 0 WHERE id = 1;"
      "UPDATE p SET t = 'old' WHERE s = 2;"
      "DELETE FROM s WHERE t = 2;"
      "DELETE FROM t WHERE s = 'c';"
      "UPDATE t SET p = 1.5 WHERE s = 'a'");
  Run dry = import_into(target, path, true, 10);
  INFO("dry run:" << describe(dry.result));
  CHECK(has_diff(dry.result,
                 "public.collide (id=1) row 1\n    __pgtote_row: old -> r1\n    __pgtote_row_: old_ -> r1_\n"
                 "    s: S -> s1\n    t: NULL -> t1\n    p: P -> p1\n    pgtote_present: maybe -> yes\n"
                 "    u0: 0 -> 10\n    i0: 0 -> 20"));
  CHECK(has_diff(dry.result, "public.p (s=2) row 2\n    t: old -> pt2"));
  CHECK(dry.result.diffs.size() == 2);

  // The binary prints the same diff.
  test::RunResult cli =
      test::run_pgtote({"import", path, "--target", target.conninfo(), "--dry-run", "--show-diff", "10"});
  INFO("pgtote stdout:\n" << cli.out << "\nstderr:\n" << cli.err);
  CHECK(cli.exit_code == 0);
  CHECK((cli.out + cli.err).find("    __pgtote_row: old -> r1\n") != std::string::npos);
  CHECK((cli.out + cli.err).find("    s: S -> s1\n") != std::string::npos);

  Run second = import_into(target, path);
  INFO("import:" << describe(second.result));
  REQUIRE(second.result.ok);
  check_same_counts(dry.result, second.result);
  CHECK(counts_of(second.result, "public.collide") == Counts{0, 1, 1});
  CHECK(counts_of(second.result, "public.p") == Counts{0, 1, 1});
  CHECK(counts_of(second.result, "public.s") == Counts{1, 0, 1});
  // No key: 1.5 is not the snapshot's 1.50, so the snapshot's row is added beside it.
  CHECK(counts_of(second.result, "public.t") == Counts{2, 0, 0});
  for (const char* table : {"public.collide", "public.p", "public.s"})
    CHECK_MESSAGE(test::table_digests(target)[table] == test::table_digests(source)[table], table);
  CHECK(rows_text(target, "t") == "(a,b,1.5,7) | (a,b,1.50,7) | (c,d,2,8)");

  Run third = import_into(target, path);
  check_writes_nothing(third.result, 8);
}

TEST_CASE("identical: a rejected row of a table with a column named s goes whole to the reject file [db]") {
  test::TestDatabase source, target;
  source.load_fixture("identical_names.sql");
  target.load_fixture("identical_names.sql");
  source.exec(names_rows);
  target.exec(names_rows);
  target.exec("ALTER TABLE collide ADD CONSTRAINT no_bad CHECK (s <> 'bad')");
  source.exec("UPDATE collide SET s = 'bad' WHERE id = 2");
  std::string path = test::temp_path("names-reject.json");
  test::export_database(source, path);

  Run run = import_into(target, path, false, 0, [](ImportOptions& o) { o.continue_on_error = true; });
  INFO("import:" << describe(run.result));
  REQUIRE(run.result.rejected.size() == 1);
  const RejectedRow& rejected = run.result.rejected.front();
  CHECK(rejected.table == "public.collide");
  CHECK(rejected.row == 2);
  CHECK(
      rejected.values ==
      R"({"p": "p2", "s": "bad", "t": "t2", "i0": 21, "id": 2, "u0": 11, "__pgtote_row": "r2", "__pgtote_row_": "r2_", "pgtote_present": "no"})");
}

// ---------------------------------------------------------------------------------------------
// E. Target triggers that rewrite incoming values.

namespace {

constexpr const char* trigger_tables =
    "CREATE TABLE account (id int PRIMARY KEY, email text NOT NULL);"
    "CREATE TABLE note (id int PRIMARY KEY, body text, updated_at timestamptz NOT NULL)";

}  // namespace

TEST_CASE("identical: rows a target trigger rewrites are reported as rewritten, not as changed again [db]") {
  test::TestDatabase source, target;
  source.exec(trigger_tables);
  target.exec(trigger_tables);
  target.load_fixture("identical_triggers.sql");
  source.exec(
      "INSERT INTO account VALUES (1, 'Bob@Example.com'), (2, 'ann@example.com');"
      "INSERT INTO note VALUES (1, 'hello', '2024-01-01 00:00:00+00')");
  std::string path = test::temp_path("triggers.json");
  test::export_database(source, path);

  Run first = import_into(target, path);
  INFO("first import:" << describe(first.result));
  REQUIRE(first.result.ok);
  CHECK(first.result.totals.inserted == 3);
  // The triggers rewrote what was written.
  CHECK(target.query_value("SELECT email FROM account WHERE id = 1") == "bob@example.com");
  CHECK(target.query_value("SELECT updated_at <> '2024-01-01 00:00:00+00' FROM note WHERE id = 1") == "t");

  Run second_dry = import_into(target, path, true, 10);
  Run second = import_into(target, path);
  Run third = import_into(target, path);
  INFO("second import:" << describe(second.result));
  INFO("third import:" << describe(third.result));
  CHECK(second.result.ok);
  check_same_counts(second_dry.result, second.result);
  // Whatever the counts, they are the same every time: the import cannot make these rows identical.
  CHECK(counts_of(third.result, "public.account") == counts_of(second.result, "public.account"));
  CHECK(counts_of(third.result, "public.note") == counts_of(second.result, "public.note"));

  // The rows the target's triggers rewrite are reported as such: the report names the table and
  // the trigger, rather than announcing the same rows as updated on every import.
  std::string report;
  for (const auto& note : second.notes) report += note + "\n";
  for (const auto& problem : second.result.problems) {
    report += problem.table + " " + problem.kind + " " + problem.note + "\n";
    for (const auto& example : problem.examples) report += example + "\n";
  }
  INFO("notes and problems of the second import:\n" << report);
  CHECK(report.find("public.account") != std::string::npos);
  CHECK(report.find("lower_email") != std::string::npos);
  CHECK(report.find("public.note") != std::string::npos);
  CHECK(report.find("touch") != std::string::npos);
}
