// What PostgreSQL 18 added to the catalogs pgtote reads (tests/fixtures/postgres18.sql): virtual
// generated columns, temporal keys, NOT ENFORCED foreign keys, NOT NULL constraints in
// pg_constraint. On an older server each test says it cannot run there, and checks that the server
// indeed refuses the syntax.
#include <doctest/doctest.h>

#include <algorithm>

#include "pgtote/catalog.h"
#include "pgtote/importer.h"
#include "test_db.h"

using namespace pgtote;
using test::run_pgtote;

namespace {

// True on PostgreSQL 18; elsewhere names what is left out and checks the syntax is really absent.
bool on_postgres18(const test::TestDatabase& db, const std::string& feature) {
  if (test::server_has(db, 18, feature)) return true;
  CHECK_THROWS(db.exec("CREATE TABLE probe (a int, b int GENERATED ALWAYS AS (a + 1) VIRTUAL)"));
  return false;
}

const Table& find(const std::vector<Table>& tables, const std::string& name) {
  auto it = std::find_if(tables.begin(), tables.end(), [&](const Table& t) { return t.name == name; });
  REQUIRE_MESSAGE(it != tables.end(), name);
  return *it;
}

const Column& column(const Table& table, const std::string& name) {
  const Column* c = table.find_column(name);
  REQUIRE_MESSAGE(c != nullptr, table.name << "." << name);
  return *c;
}

ImportResult import_into(const test::TestDatabase& db, const std::string& path) {
  ImportOptions options;
  options.target = {db.conninfo(), "test"};
  options.snapshot_path = path;
  options.progress = false;
  return run_import(options, [](const std::string&) {});
}

}  // namespace

TEST_CASE("PostgreSQL 18 catalog: virtual columns, temporal keys, NOT ENFORCED keys, NOT NULL constraints [db]") {
  test::TestDatabase db;
  if (!on_postgres18(db, "virtual generated columns, temporal and NOT ENFORCED keys")) return;
  db.load_fixture("postgres18.sql");
  Connection c = db.connect();
  std::vector<Table> tables = read_catalog(c);
  const Table& room = find(tables, "room");
  CHECK(room.primary_key == std::vector<std::string>{"id", "valid"});
  CHECK(room.primary_key_without_overlaps);
  // The NOT NULL constraints 18 lists in pg_constraint (room_name_required, room_id_not_null...)
  // are neither keys nor anything else but NOT NULL columns.
  CHECK(room.unique_keys.empty());
  CHECK(room.foreign_keys.empty());
  CHECK(column(room, "name").not_null);
  CHECK(column(room, "valid").not_null);

  const Table& booking = find(tables, "booking");
  CHECK_FALSE(booking.primary_key_without_overlaps);
  CHECK(column(booking, "nights").generated == "virtual");
  CHECK(column(booking, "nights_stored").generated == "stored");
  REQUIRE(booking.foreign_keys.size() == 1);
  CHECK(booking.foreign_keys[0].period);
  CHECK(booking.foreign_keys[0].enforced);
  CHECK(booking.foreign_keys[0].columns == std::vector<std::string>{"room_id", "during"});
  CHECK(booking.foreign_keys[0].ref_columns == std::vector<std::string>{"id", "valid"});

  const Table& visit = find(tables, "visit");
  REQUIRE(visit.foreign_keys.size() == 1);
  CHECK_FALSE(visit.foreign_keys[0].enforced);
  CHECK_FALSE(visit.foreign_keys[0].period);
  // Order still follows a NOT ENFORCED key: guest before visit.
  auto order = run_pgtote({"order", "--source", db.conninfo()});
  REQUIRE(order.exit_code == 0);
  CHECK(order.out.find("public.guest") < order.out.find("public.visit"));
  CHECK(order.out.find("public.room") < order.out.find("public.booking"));
}

TEST_CASE("PostgreSQL 18 round trip: virtual columns never written, a second import writes nothing [db]") {
  test::TestDatabase source, target;
  if (!on_postgres18(source, "virtual generated columns, temporal and NOT ENFORCED keys")) return;
  source.load_fixture("postgres18.sql");
  test::copy_schema(source, target);
  std::string path = test::temp_path("postgres18.json");
  test::export_database(source, path);
  ImportResult first = import_into(target, path);
  REQUIRE(first.ok);
  CHECK(first.problems.empty());
  CHECK(first.totals.inserted == 3 + 2 + 1 + 2);  // visit 2, whose guest is missing, included
  CHECK(test::table_digests(target) == test::table_digests(source));
  CHECK(target.query_value("SELECT nights || '/' || nights_stored FROM booking WHERE id = 1") == "15/15");
  ImportResult second = import_into(target, path);
  REQUIRE(second.ok);
  CHECK(second.totals.inserted == 0);
  CHECK(second.totals.updated == 0);
  CHECK(second.totals.unchanged == first.totals.inserted);
}

TEST_CASE("PostgreSQL 18 temporal foreign key: a parent must cover the period, across several of its rows [db]") {
  test::TestDatabase source, target;
  if (!on_postgres18(source, "temporal foreign keys (PERIOD)")) return;
  source.load_fixture("postgres18.sql");
  test::copy_schema(source, target);
  std::string path = test::temp_path("booking.json");
  REQUIRE(run_pgtote({"export", "--source", source.conninfo(), "-o", path, "-q", "-t", "public.booking"}).exit_code ==
          0);
  // Room 1 only until July: booking 1 (June 20 to July 5) has no parent covering it.
  target.exec("INSERT INTO room VALUES (1, '[2025-01-01,2025-07-01)', 'Blue'), (2, '[2025-01-01,2026-01-01)', 'Red')");
  auto refused = run_pgtote({"import", path, "--target", target.conninfo(), "--dry-run"});
  CHECK(refused.exit_code == 7);
  CHECK(refused.out.find("booking") != std::string::npos);
  CHECK(refused.out.find("booking_room_fk") != std::string::npos);
  CHECK(refused.out.find("1 missing parent") != std::string::npos);
  CHECK(refused.out.find("row 1: (room_id, during)=(1, [2025-06-20,2025-07-05))") != std::string::npos);
  CHECK(refused.out.find("row 2:") == std::string::npos);  // room 2 covers booking 2
  auto also_refused = run_pgtote({"import", path, "--target", target.conninfo()});
  CHECK(also_refused.exit_code == 7);
  CHECK(target.query_value("SELECT count(*) FROM booking") == "0");
  // With room 1's second period the two together cover it: no row equals the booking's period.
  target.exec("INSERT INTO room VALUES (1, '[2025-07-01,2026-01-01)', 'Blue, renovated')");
  auto accepted = run_pgtote({"import", path, "--target", target.conninfo()});
  CHECK_MESSAGE(accepted.exit_code == 0, accepted.err);
  CHECK(target.query_value("SELECT count(*) FROM booking") == "2");
}

TEST_CASE("PostgreSQL 18 NOT ENFORCED foreign key: rows are never refused for it [db]") {
  test::TestDatabase source, target;
  if (!on_postgres18(source, "NOT ENFORCED foreign keys")) return;
  source.load_fixture("postgres18.sql");
  test::copy_schema(source, target);
  std::string path = test::temp_path("visit.json");
  REQUIRE(run_pgtote({"export", "--source", source.conninfo(), "-o", path, "-q", "-t", "public.visit"}).exit_code == 0);
  // The target has no guest at all.
  auto dry = run_pgtote({"import", path, "--target", target.conninfo(), "--dry-run"});
  CHECK_MESSAGE(dry.exit_code == 0, dry.err);
  auto real = run_pgtote({"import", path, "--target", target.conninfo()});
  CHECK_MESSAGE(real.exit_code == 0, real.err);
  CHECK(target.query_value("SELECT count(*) FROM visit") == "2");
}

TEST_CASE("PostgreSQL 18 drift: temporal keys named as such, ADD COLUMN keeps a virtual column generated [db]") {
  test::TestDatabase source, target;
  if (!on_postgres18(source, "virtual generated columns and temporal keys")) return;
  source.load_fixture("postgres18.sql");
  test::copy_schema(source, target);
  target.exec(
      "ALTER TABLE booking DROP CONSTRAINT booking_room_fk; ALTER TABLE booking DROP COLUMN nights; "
      "ALTER TABLE guest DROP COLUMN shout; ALTER TABLE room DROP CONSTRAINT room_pkey; "
      "ALTER TABLE room ADD PRIMARY KEY (id, valid)");
  auto diff = run_pgtote({"diff", "--source", source.conninfo(), "--target", target.conninfo()});
  CHECK(diff.exit_code == 8);
  std::string all = diff.out + diff.err;
  CHECK(all.find("primary key of public.room is (id, valid WITHOUT OVERLAPS) in the snapshot, (id, valid) in the "
                 "target") != std::string::npos);
  CHECK(all.find("ADD COLUMN \"nights\" integer GENERATED ALWAYS AS ((upper(during) - lower(during))) VIRTUAL") !=
        std::string::npos);
  CHECK(all.find("ADD COLUMN \"shout\" text GENERATED ALWAYS AS (upper(name)) VIRTUAL") != std::string::npos);
  // The suggestion runs as given, and the column it makes is virtual again.
  target.exec(
      "ALTER TABLE \"public\".\"booking\" ADD COLUMN \"nights\" integer GENERATED ALWAYS AS ((upper(during) - "
      "lower(during))) VIRTUAL");
  CHECK(target.query_value("SELECT attgenerated FROM pg_attribute WHERE attrelid = 'booking'::regclass AND attname = "
                           "'nights'") == "v");
  INFO(all);
}
