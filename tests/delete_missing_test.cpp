// --delete-missing against real PostgreSQL: children before parents, ON DELETE CASCADE, SET NULL
// and SET DEFAULT counted by the dry run exactly as the import does them (checked against what
// changed in the target), --max-delete refusing the whole import, snapshots that hold only part of
// the source refused.
#include "pgtote/delete_missing.h"

#include <doctest/doctest.h>

#include <fstream>
#include <map>

#include "pgtote/error.h"
#include "pgtote/importer.h"
#include "test_db.h"

using namespace pgtote;
using test::run_pgtote;

namespace {

const char* schema = R"SQL(
CREATE TABLE authors (id int PRIMARY KEY, name text NOT NULL);
CREATE TABLE books (id int PRIMARY KEY, author_id int NOT NULL REFERENCES authors ON DELETE CASCADE, title text NOT NULL);
CREATE TABLE reviews (id int PRIMARY KEY, book_id int NOT NULL REFERENCES books, body text NOT NULL);
CREATE TABLE notes (id int PRIMARY KEY, book_id int REFERENCES books ON DELETE SET NULL);
CREATE TABLE pins (id int PRIMARY KEY, book_id int NOT NULL REFERENCES books ON DELETE CASCADE);
)SQL";

// Imports `snapshot` into `target` with --delete-missing (and what `adjust` sets).
ImportResult import_deleting(const test::TestDatabase& target, const std::string& snapshot, bool dry_run,
                             const std::function<void(ImportOptions&)>& adjust = nullptr) {
  ImportOptions options;
  options.target = {target.conninfo(), "test"};
  options.snapshot_path = snapshot;
  options.progress = false;
  options.dry_run = dry_run;
  options.delete_missing = true;
  if (adjust) adjust(options);
  return run_import(options, [](const std::string&) {});
}

struct Mirror {
  test::TestDatabase source, target;
  std::string snapshot = test::temp_path("mirror.json");
  Mirror() {
    source.exec(std::string(schema) +
                "INSERT INTO authors VALUES (1, 'A'), (2, 'B'); INSERT INTO books VALUES (1, 1, 'one'), (2, 2, 'two');"
                "INSERT INTO reviews VALUES (1, 1, 'good')");
    target.exec(std::string(schema) +
                "INSERT INTO authors VALUES (1, 'A'), (2, 'B'), (3, 'C');"
                "INSERT INTO books VALUES (1, 1, 'one'), (2, 2, 'two'), (3, 3, 'three'), (4, 1, 'four');"
                "INSERT INTO reviews VALUES (1, 1, 'good'), (2, 3, 'meh'), (3, 4, 'bad');"
                "INSERT INTO notes VALUES (1, 3), (2, 1); INSERT INTO pins VALUES (1, 4), (2, 2)");
    auto r = run_pgtote({"export", "--source", source.conninfo(), "-o", snapshot, "-q", "-T", "notes", "-T", "pins"});
    REQUIRE_MESSAGE(r.exit_code == 0, r.err);
  }
  ImportResult import(bool dry_run, const std::function<void(ImportOptions&)>& adjust = nullptr) {
    return import_deleting(target, snapshot, dry_run, adjust);
  }
  std::string rows() const {
    return target.query_value(
        "SELECT concat_ws(' | ', (SELECT string_agg(id::text, ',' ORDER BY id) FROM authors), "
        "(SELECT string_agg(id::text, ',' ORDER BY id) FROM books), (SELECT string_agg(id::text, ',' ORDER BY id) "
        "FROM reviews), (SELECT string_agg(id || ':' || coalesce(book_id::text, '-'), ',' ORDER BY id) FROM notes), "
        "(SELECT string_agg(id::text, ',' ORDER BY id) FROM pins))");
  }
};

// "deleted/cascaded/set_null/rows_before" per table.
std::map<std::string, std::string> deletes_by_table(const ImportResult& result) {
  std::map<std::string, std::string> out;
  for (const auto& d : result.deletes)
    out[d.table] = std::to_string(d.deleted) + "/" + std::to_string(d.cascaded) + "/" + std::to_string(d.set_null) +
                   "/" + std::to_string(d.rows_before);
  return out;
}

std::string deletes_text(const ImportResult& result) {
  std::string out;
  for (const auto& d : result.deletes)
    out += d.table + " " + std::to_string(d.deleted) + "/" + std::to_string(d.cascaded) + "/" +
           std::to_string(d.set_null) + "/" + std::to_string(d.rows_before) + "; ";
  return out;
}

}  // namespace

TEST_CASE("--max-delete takes a number of rows or a percentage") {
  CHECK(parse_delete_cap("10").rows == 10);
  CHECK(parse_delete_cap("2.5%").is_percent);
  CHECK(parse_delete_cap("2.5%").percent == doctest::Approx(2.5));
  CHECK_THROWS_AS(parse_delete_cap("ten"), Error);
  CHECK_THROWS_AS(parse_delete_cap("120%"), Error);
  CHECK_THROWS_AS(parse_delete_cap(""), Error);
}

TEST_CASE("--delete-missing deletes children first and the dry run counts cascades and SET NULL exactly [db]") {
  Mirror m;
  std::string before = m.rows();
  ImportResult dry = m.import(true);
  REQUIRE(dry.ok);
  CHECK(m.rows() == before);
  std::string expected =
      "public.authors 1/0/0/3; public.books 2/0/0/4; public.notes 0/0/1/2; public.pins 0/1/0/2; "
      "public.reviews 2/0/0/3; ";
  CHECK(deletes_text(dry) == expected);
  ImportResult done = m.import(false);
  REQUIRE(done.ok);
  CHECK(deletes_text(done) == expected);
  CHECK(m.rows() == "1,2 | 1,2 | 1 | 1:-,2:1 | 2");
  // Nothing is missing any more: a second run deletes nothing.
  CHECK(m.import(false).deletes.empty());
}

TEST_CASE("--max-delete refuses the whole import, in the dry run too, and without the flag nothing is deleted [db]") {
  Mirror m;
  std::string before = m.rows();
  auto r = run_pgtote({"import", m.snapshot, "--target", m.target.conninfo(), "--delete-missing", "--max-delete", "1"});
  CHECK(r.exit_code == 7);
  CHECK(r.err.find("too many deletes") != std::string::npos);
  CHECK(r.err.find("2 of its 4 rows would go") != std::string::npos);
  CHECK(m.rows() == before);
  r = run_pgtote(
      {"import", m.snapshot, "--target", m.target.conninfo(), "--delete-missing", "--max-delete", "50%", "--dry-run"});
  CHECK(r.exit_code == 7);  // reviews: 2 of 3
  r = run_pgtote({"import", m.snapshot, "--target", m.target.conninfo(), "--max-delete", "50%"});
  CHECK(r.exit_code == 2);
  // A conflicting row skipped would count as missing, and its target row would be deleted.
  r = run_pgtote({"import", m.snapshot, "--target", m.target.conninfo(), "--delete-missing", "--skip-conflicts"});
  CHECK(r.exit_code == 2);
  CHECK(r.err.find("--delete-missing and --skip-conflicts go apart") != std::string::npos);
  CHECK(m.rows() == before);
  r = run_pgtote({"import", m.snapshot, "--target", m.target.conninfo(), "-q"});
  CHECK(r.exit_code == 0);
  CHECK(m.rows() == before);
  r = run_pgtote({"import", m.snapshot, "--target", m.target.conninfo(), "--delete-missing", "--max-delete", "70%"});
  CHECK(r.exit_code == 0);
  CHECK(r.err.find("public.pins: 0 missing from the snapshot, 1 by ON DELETE CASCADE") != std::string::npos);
  CHECK(m.rows() == "1,2 | 1,2 | 1 | 1:-,2:1 | 2");
}

TEST_CASE("--delete-missing on a subset snapshot deletes within the subset's scope only [db]") {
  Mirror m;
  std::string config = test::temp_path("subset.yml");
  {
    std::ofstream out(config);
    out << "subset:\n  start:\n    - table: public.authors\n      where: id = 1\n";
  }
  std::string subset = test::temp_path("subset.json");
  auto r = run_pgtote(
      {"export", "--source", m.source.conninfo(), "-o", subset, "-q", "--config", config, "-T", "notes", "-T", "pins"});
  REQUIRE_MESSAGE(r.exit_code == 0, r.err);
  std::string before = m.rows();
  // Without the subset it was exported with, nothing says which target rows it speaks for.
  r = run_pgtote({"import", subset, "--target", m.target.conninfo(), "--delete-missing"});
  CHECK(r.exit_code == 2);
  CHECK(r.err.find("this snapshot is a subset") != std::string::npos);
  std::string other = test::temp_path("other.yml");
  {
    std::ofstream out(other);
    out << "subset:\n  start:\n    - table: public.authors\n      where: id = 2\n";
  }
  r = run_pgtote({"import", subset, "--target", m.target.conninfo(), "--delete-missing", "--config", other});
  CHECK(r.exit_code == 2);
  CHECK(r.err.find("is not the one this snapshot was exported with") != std::string::npos);
  {
    std::ofstream out(other);
    out << "subset:\n  start:\n    - table: public.authors\n      where: id = 1\n      limit: 5\n";
  }
  r = run_pgtote({"import", subset, "--target", m.target.conninfo(), "--delete-missing", "--config", other});
  CHECK(r.exit_code == 2);
  CHECK(r.err.find("limits the rows of public.authors") != std::string::npos);
  CHECK(m.rows() == before);
  // Author 1 and its descendants in the target are the scope: book 4 (and its review and pin) go,
  // authors 2 and 3 and their books stay.
  r = run_pgtote(
      {"import", subset, "--target", m.target.conninfo(), "--delete-missing", "--config", config, "--dry-run"});
  CHECK(r.exit_code == 0);
  CHECK(r.out.find("public.books: 1 missing from the snapshot, 0 by ON DELETE CASCADE") != std::string::npos);
  CHECK(m.rows() == before);
  r = run_pgtote({"import", subset, "--target", m.target.conninfo(), "--delete-missing", "--config", config});
  CHECK(r.exit_code == 0);
  CHECK(r.err.find("public.pins: 0 missing from the snapshot, 1 by ON DELETE CASCADE") != std::string::npos);
  CHECK(r.err.find("public.reviews: 1 missing from the snapshot") != std::string::npos);
  CHECK(m.rows() == "1,2,3 | 1,2,3 | 1,2 | 1:3,2:1 | 2");
}

namespace {

// Tables the snapshot does not carry, which only the server's ON DELETE actions change as
// authors and books go: a cascade beside a SET NULL whose reference was NULL already (marks), a
// SET DEFAULT to a non-NULL default (stars), a composite reference set to NULL (quotes), two
// references of one row set to NULL (pairs: one changed row).
const char* actions_schema = R"SQL(
CREATE TABLE authors (id int PRIMARY KEY, name text NOT NULL);
CREATE TABLE books (id int PRIMARY KEY, author_id int NOT NULL REFERENCES authors ON DELETE CASCADE,
                    title text NOT NULL, UNIQUE (author_id, id));
CREATE TABLE marks (id int PRIMARY KEY, book_id int NOT NULL REFERENCES books ON DELETE CASCADE,
                    author_id int REFERENCES authors ON DELETE SET NULL);
CREATE TABLE stars (id int PRIMARY KEY, author_id int NOT NULL DEFAULT 1 REFERENCES authors ON DELETE SET DEFAULT);
CREATE TABLE quotes (id int PRIMARY KEY, author_id int, book_id int,
                     FOREIGN KEY (author_id, book_id) REFERENCES books (author_id, id) ON DELETE SET NULL);
CREATE TABLE pairs (id int PRIMARY KEY, first_id int REFERENCES books ON DELETE SET NULL,
                    second_id int REFERENCES books ON DELETE SET NULL);
)SQL";

const char* actions_rows = R"SQL(
INSERT INTO marks VALUES (1, 4, NULL), (2, 1, 3), (3, 2, 3), (4, 1, NULL);
INSERT INTO stars VALUES (1, 3), (2, 2), (3, 1);
INSERT INTO quotes VALUES (1, 3, 3), (2, 1, 4), (3, NULL, 3), (4, 1, 1);
INSERT INTO pairs VALUES (1, 3, 4), (2, 1, 3);
)SQL";

// What the import changed in one table, by primary key against a copy taken before: rows gone,
// rows still there with other values ("gone/changed").
std::string changed_since(const test::TestDatabase& db, const std::string& table) {
  return db.query_value("SELECT (SELECT count(*) FROM before." + table + " b WHERE NOT EXISTS (SELECT 1 FROM public." +
                        table + " a WHERE a.id = b.id)) || '/' || (SELECT count(*) FROM before." + table +
                        " b JOIN public." + table + " a ON a.id = b.id WHERE a IS DISTINCT FROM b)");
}

}  // namespace

TEST_CASE("--delete-missing counts every row ON DELETE SET NULL and SET DEFAULT change, as the server does [db]") {
  test::TestDatabase source, target;
  source.exec(std::string(actions_schema) +
              "INSERT INTO authors VALUES (1, 'A'), (2, 'B'); INSERT INTO books VALUES (1, 1, 'one'), (2, 2, 'two');");
  target.exec(std::string(actions_schema) +
              "INSERT INTO authors VALUES (1, 'A'), (2, 'B'), (3, 'C');"
              "INSERT INTO books VALUES (1, 1, 'one'), (2, 2, 'two'), (3, 3, 'three'), (4, 1, 'four');" +
              actions_rows);
  std::vector<std::string> not_carried = {"marks", "stars", "quotes", "pairs"};
  // PostgreSQL 15: SET NULL of some of a composite reference's columns only.
  bool column_lists = test::server_has(target, 15, "ON DELETE SET NULL (column list)");
  if (column_lists) {
    for (const auto* db : {&source, &target})
      db->exec(
          "CREATE TABLE excerpts (id int PRIMARY KEY, author_id int NOT NULL, book_id int, FOREIGN KEY (author_id, "
          "book_id) REFERENCES books (author_id, id) ON DELETE SET NULL (book_id))");
    target.exec("INSERT INTO excerpts VALUES (1, 1, 4), (2, 1, 1), (3, 3, 3)");
    not_carried.push_back("excerpts");
  }
  std::string snapshot = test::temp_path("actions.json");
  std::vector<std::string> args = {"export", "--source", source.conninfo(), "-o", snapshot, "-q"};
  for (const auto& table : not_carried) args.insert(args.end(), {"-T", table});
  auto r = run_pgtote(args);
  REQUIRE_MESSAGE(r.exit_code == 0, r.err);
  target.exec("CREATE SCHEMA before");
  for (const auto& table : std::vector<std::string>{"authors", "books", "marks", "stars", "quotes", "pairs"})
    target.exec("CREATE TABLE before." + table + " AS SELECT * FROM public." + table);
  if (column_lists) target.exec("CREATE TABLE before.excerpts AS SELECT * FROM public.excerpts");

  auto import = [&](bool dry_run) { return import_deleting(target, snapshot, dry_run); };
  ImportResult dry = import(true);
  REQUIRE(dry.ok);
  auto predicted = deletes_by_table(dry);
  CHECK(predicted["public.authors"] == "1/0/0/3");
  CHECK(predicted["public.books"] == "2/0/0/4");
  CHECK(predicted["public.marks"] == "0/1/2/4");   // row 1 went with book 4; its author was NULL already
  CHECK(predicted["public.stars"] == "0/0/1/3");   // author 3 -> the default, 1
  CHECK(predicted["public.quotes"] == "0/0/2/4");  // (3, 3) and (1, 4) go to NULL; (NULL, 3) checks nothing
  CHECK(predicted["public.pairs"] == "0/0/2/2");   // row 1 loses both references: one row changed
  if (column_lists) CHECK(predicted["public.excerpts"] == "0/0/2/3");
  CHECK(changed_since(target, "marks") == "0/0");  // the dry run wrote nothing

  ImportResult done = import(false);
  REQUIRE(done.ok);
  CHECK(deletes_by_table(done) == predicted);
  // What the server did, table by table: the counts are its changes.
  for (const auto& [table, counts] : predicted) {
    INFO(table);
    std::string name = table.substr(table.find('.') + 1);
    const TableDeletes* d = nullptr;
    for (const auto& entry : done.deletes)
      if (entry.table == table) d = &entry;
    REQUIRE(d);
    CHECK(changed_since(target, name) == std::to_string(d->deleted + d->cascaded) + "/" + std::to_string(d->set_null));
  }
  CHECK(target.query_value("SELECT string_agg(id || ':' || author_id, ' ' ORDER BY id) FROM stars") == "1:1 2:2 3:1");
}
