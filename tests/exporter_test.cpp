// Export end to end through the library: snapshot contents, consistency, table selection.
#include "pgtote/exporter.h"

#include <doctest/doctest.h>

#include <algorithm>
#include <map>

#include "pgtote/error.h"
#include "pgtote/snapshot_reader.h"
#include "pgtote/value_codec.h"
#include "test_db.h"

using namespace pgtote;

namespace {

struct ReadTable {
  Table table;
  std::vector<std::vector<JsonValue>> rows;
};

std::map<std::string, ReadTable> read_snapshot(const std::string& path, SnapshotInfo* info = nullptr) {
  SnapshotReader reader(path);
  if (info) *info = reader.info();
  std::map<std::string, ReadTable> tables;
  Table table;
  while (reader.next_table(table)) {
    ReadTable& t = tables[table.qualified_name()];
    t.table = table;
    std::vector<JsonValue> row;
    while (reader.next_row(row)) t.rows.push_back(row);
    CHECK(reader.recorded_row_count() == t.rows.size());
  }
  return tables;
}

ExportResult export_to(const test::TestDatabase& db, const std::string& path, TableSelection selection = {},
                       std::vector<std::string>* notes = nullptr, const std::function<void()>& on_note = nullptr,
                       int jobs = 1) {
  ExportOptions options;
  options.jobs = jobs;
  options.source = {db.conninfo(), "test"};
  options.output = path;
  options.selection = selection;
  options.progress = false;
  return run_export(options, [&](const std::string& note) {
    if (notes) notes->push_back(note);
    if (on_note) on_note();
  });
}

}  // namespace

TEST_CASE("snapshot records header, order, components, columns and keys [db]") {
  test::TestDatabase db;
  db.load_fixture("shapes.sql");
  std::string path = test::temp_path("shapes.json");
  ExportResult result = export_to(db, path);
  CHECK(result.tables.size() == 15);
  CHECK(result.totals.rows == 27);

  SnapshotInfo info;
  auto tables = read_snapshot(path, &info);
  CHECK(info.version == 1);
  CHECK(info.database == db.name());
  CHECK(info.order.size() == 15);
  CHECK(info.components.size() == 3);
  CHECK(tables.at("public.staff").rows.size() == 3);
  const auto& items = tables.at("public.order items");
  CHECK(items.table.columns[0].name == "the \"id\"");
  CHECK(items.table.primary_key == std::vector<std::string>{"the \"id\""});
  CHECK(tables.at("public.Ünïcödé 表").rows.size() == 1);
  CHECK(tables.at("public.User").rows[0][1].text == "Zoë \"Z\" O'Brien");
  CHECK(tables.at("public.User").rows[1][1].type == JsonValue::Type::null);
  // Rows come in primary-key order.
  const auto& employees = tables.at("public.employee").rows;
  REQUIRE(employees.size() == 3);
  CHECK(employees[0][0].raw == "1");
  CHECK(employees[2][0].raw == "3");
}

TEST_CASE("partitions are exported once through the parent, inheritance children on their own [db]") {
  test::TestDatabase db;
  db.load_fixture("kinds.sql");
  std::string path = test::temp_path("kinds.json");
  std::vector<std::string> notes;
  export_to(db, path, {}, &notes);
  auto tables = read_snapshot(path);
  CHECK(tables.at("public.measurement").rows.size() == 3);
  CHECK(tables.count("public.measurement_2024") == 0);
  CHECK(tables.at("public.city").rows.size() == 1);  // ONLY the parent's own row
  CHECK(tables.at("public.capital").rows.size() == 1);
  CHECK(tables.count("public.city_names") == 0);
  CHECK(tables.count("public.city_count") == 0);
  // no key: still a stable order
  const auto& no_key = tables.at("public.no_key").rows;
  REQUIRE(no_key.size() == 3);
  CHECK(no_key[0][0].raw == "1");

  const Table& product = tables.at("public.product").table;
  CHECK(product.find_column("id")->identity == "always");
  CHECK(product.find_column("code")->identity == "by default");
  CHECK(product.find_column("price_with_tax")->generated == "stored");
  CHECK(product.find_column("serial_no")->sequence == "\"public\".\"product_serial_no_seq\"");
  CHECK(tables.at("public._ProductToTag").table.unique_keys.size() == 1);

  // Migration-history tables are left out by default, with one line saying so.
  CHECK(tables.count("public._prisma_migrations") == 0);
  CHECK(tables.count("public.migrations") == 0);
  CHECK(tables.count("public.alembic_version") == 0);
  REQUIRE(notes.size() == 1);
  CHECK(notes[0].find("_prisma_migrations") != std::string::npos);
  CHECK(tables.count("public.AuditLog") == 1);
}

TEST_CASE("Django's and Rails' migration tables are left out, named, and kept on request [db]") {
  test::TestDatabase db;
  db.exec(R"(
    CREATE TABLE django_migrations (id bigserial PRIMARY KEY, app varchar(255) NOT NULL,
                                    name varchar(255) NOT NULL, applied timestamptz NOT NULL);
    INSERT INTO django_migrations (app, name, applied) VALUES ('auth', '0001_initial', now());
    CREATE TABLE ar_internal_metadata (key varchar PRIMARY KEY, value varchar,
                                       created_at timestamp(6) NOT NULL, updated_at timestamp(6) NOT NULL);
    INSERT INTO ar_internal_metadata VALUES ('environment', 'development', now(), now());
    CREATE TABLE migrations (id int PRIMARY KEY, title text);  -- a user's table, not Laravel's
    INSERT INTO migrations VALUES (1, 'bird migrations 2024');
    CREATE TABLE customer (id int PRIMARY KEY, name text);
    INSERT INTO customer VALUES (1, 'Ada');
  )");
  std::string path = test::temp_path("frameworks.json");
  std::vector<std::string> notes;
  export_to(db, path, {}, &notes);
  auto tables = read_snapshot(path);
  CHECK(tables.count("public.django_migrations") == 0);
  CHECK(tables.count("public.ar_internal_metadata") == 0);
  CHECK(tables.at("public.migrations").rows.size() == 1);
  CHECK(tables.at("public.customer").rows.size() == 1);
  REQUIRE(notes.size() == 1);
  CHECK(notes[0] ==
        "left out migration-history tables (--include-migration-tables keeps them): "
        "public.ar_internal_metadata (Rails), public.django_migrations (Django)");

  TableSelection selection;
  selection.include_migration_tables = true;
  notes.clear();
  export_to(db, path, selection, &notes);
  tables = read_snapshot(path);
  CHECK(tables.at("public.django_migrations").rows.size() == 1);
  CHECK(tables.at("public.ar_internal_metadata").rows.size() == 1);
  CHECK(tables.size() == 4);
  CHECK(notes.empty());
}

TEST_CASE("--include-migration-tables keeps them, --skip-audit leaves audit tables out [db]") {
  test::TestDatabase db;
  db.load_fixture("kinds.sql");
  db.exec("CREATE SCHEMA audit; CREATE TABLE audit.events (id int PRIMARY KEY)");
  TableSelection selection;
  selection.include_migration_tables = true;
  selection.skip_audit = true;
  std::string path = test::temp_path("kinds.json");
  export_to(db, path, selection);
  auto tables = read_snapshot(path);
  CHECK(tables.count("public._prisma_migrations") == 1);
  CHECK(tables.count("public.migrations") == 1);
  CHECK(tables.count("public.AuditLog") == 0);
  CHECK(tables.count("audit.events") == 0);

  selection.audit_patterns = {"audit.*"};
  export_to(db, path, selection);
  tables = read_snapshot(path);
  CHECK(tables.count("public.AuditLog") == 1);
  CHECK(tables.count("audit.events") == 0);
}

TEST_CASE("table patterns select by name or schema.name, and a pattern matching nothing is an error [db]") {
  test::TestDatabase db;
  db.load_fixture("shapes.sql");
  std::string path = test::temp_path("some.json");
  TableSelection selection;
  selection.include_patterns = {"cycle_*", "billing.*"};
  selection.exclude_patterns = {"cycle_c"};
  export_to(db, path, selection);
  auto tables = read_snapshot(path);
  CHECK(tables.size() == 3);
  CHECK(tables.count("billing.invoice") == 1);
  CHECK(tables.count("public.cycle_c") == 0);

  selection.include_patterns = {"nothing_like_this*"};
  try {
    export_to(db, test::temp_path("none.json"), selection);
    FAIL("expected an error");
  } catch (const Error& e) {
    CHECK(e.code() == ExitCode::usage);
    CHECK(std::string(e.what()).find("nothing_like_this*") != std::string::npos);
  }
  selection = {};
  selection.schemas = {"billing"};
  export_to(db, path, selection);
  CHECK(read_snapshot(path).size() == 1);
}

TEST_CASE("an empty database gives a valid snapshot with no tables [db]") {
  test::TestDatabase db;
  std::string path = test::temp_path("empty.json");
  ExportResult result = export_to(db, path);
  CHECK(result.tables.empty());
  SnapshotInfo info;
  CHECK(read_snapshot(path, &info).empty());
  CHECK(info.order.empty());
}

TEST_CASE("a row committed by another session during the export does not appear, with -j 1 and -j 3 [db]") {
  for (int jobs : {1, 3}) {
    CAPTURE(jobs);
    test::TestDatabase db;
    db.load_fixture("kinds.sql");  // has a migration table, so a note comes after the snapshot is taken
    std::string path = test::temp_path("consistent.json");
    bool inserted = false;
    export_to(
        db, path, {}, nullptr,
        [&] {
          db.exec("INSERT INTO city VALUES (99, 'Written during export'); INSERT INTO tag VALUES ('late')");
          inserted = true;
        },
        jobs);
    REQUIRE(inserted);
    CHECK(db.query_value("SELECT count(*) FROM ONLY city") == "2");
    auto tables = read_snapshot(path);
    CHECK(tables.at("public.city").rows.size() == 1);
    CHECK(tables.at("public.tag").rows.size() == 2);
  }
}

TEST_CASE("two exports of the same data, and -j 4, are identical but for the export time [db]") {
  test::TestDatabase db;
  db.load_fixture("shapes.sql");
  db.load_fixture("types.sql");
  std::string a = test::temp_path("a.json"), b = test::temp_path("b.json"), c = test::temp_path("c.json");
  export_to(db, a);
  export_to(db, b);
  export_to(db, c, {}, nullptr, nullptr, 4);  // -j 4: the same bytes
  auto strip_time = [](std::string text) {
    size_t at = text.find("\"exported_at\":");
    return text.erase(at, text.find(',', at) - at);
  };
  CHECK(strip_time(test::read_file(a)) == strip_time(test::read_file(b)));
  CHECK(strip_time(test::read_file(a)) == strip_time(test::read_file(c)));
}
