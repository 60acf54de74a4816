// Catalog reading and dependency order on real schemas (tests/fixtures/shapes.sql, kinds.sql).
#include "pgtote/catalog.h"

#include <doctest/doctest.h>

#include <algorithm>

#include "pgtote/exporter.h"
#include "test_db.h"

using namespace pgtote;

namespace {
const Table& find(const std::vector<Table>& tables, const std::string& qualified) {
  auto it = std::find_if(tables.begin(), tables.end(), [&](const Table& t) { return t.qualified_name() == qualified; });
  REQUIRE_MESSAGE(it != tables.end(), qualified);
  return *it;
}
size_t position(const OrderedTables& o, const std::string& qualified) {
  for (size_t i = 0; i < o.tables.size(); ++i)
    if (o.tables[i].qualified_name() == qualified) return i;
  FAIL("missing " << qualified);
  return 0;
}
}  // namespace

TEST_CASE("order: diamond, self-reference, NOT NULL cycles, multi-column and cross-schema keys [db]") {
  test::TestDatabase db;
  db.load_fixture("shapes.sql");
  Connection c = db.connect();
  OrderedTables o = select_and_order(c, TableSelection{});
  REQUIRE(o.tables.size() == 15);
  // Every foreign key points to an earlier table or to one in the same component.
  auto same_component = [&](size_t a, size_t b) {
    for (const auto& comp : o.order.components)
      if (std::count(comp.begin(), comp.end(), a) && std::count(comp.begin(), comp.end(), b)) return true;
    return false;
  };
  for (size_t i = 0; i < o.tables.size(); ++i)
    for (const auto& fk : o.tables[i].foreign_keys) {
      size_t parent = position(o, fk.ref_schema + "." + fk.ref_table);
      CHECK_MESSAGE((parent < i || same_component(parent, i)), o.tables[i].qualified_name());
    }
  CHECK(position(o, "public.account") < position(o, "public.profile"));
  CHECK(position(o, "public.profile") < position(o, "public.ledger"));
  CHECK(position(o, "public.wallet") < position(o, "public.ledger"));
  CHECK(position(o, "billing.invoice") < position(o, "public.invoice_line"));

  std::vector<std::vector<std::string>> components;
  for (const auto& comp : o.order.components) {
    std::vector<std::string> names;
    for (size_t m : comp) names.push_back(o.tables[m].qualified_name());
    components.push_back(names);
  }
  CHECK(components == std::vector<std::vector<std::string>>{{"public.cycle_a", "public.cycle_b", "public.cycle_c"},
                                                            {"public.employee"},
                                                            {"public.staff", "public.store"}});
  // Members of a component are adjacent in the order.
  CHECK(position(o, "public.cycle_b") == position(o, "public.cycle_a") + 1);
  CHECK(position(o, "public.store") == position(o, "public.staff") + 1);

  const Table& line = find(o.tables, "public.invoice_line");
  REQUIRE(line.foreign_keys.size() == 1);
  CHECK(line.foreign_keys[0].columns == std::vector<std::string>{"region", "number"});
  CHECK(line.foreign_keys[0].ref_schema == "billing");
  CHECK(line.foreign_keys[0].ref_columns == std::vector<std::string>{"region", "number"});
  CHECK(find(o.tables, "billing.invoice").primary_key == std::vector<std::string>{"region", "number"});
  const Table& items = find(o.tables, "public.order items");
  CHECK(items.primary_key == std::vector<std::string>{"the \"id\""});
  CHECK(items.foreign_keys[0].ref_table == "User");

  // The same order on every run.
  Connection again = db.connect();
  OrderedTables o2 = select_and_order(again, TableSelection{});
  for (size_t i = 0; i < o.tables.size(); ++i) CHECK(o2.tables[i].qualified_name() == o.tables[i].qualified_name());
}

TEST_CASE("catalog: partitions, inheritance, views, identity, generated, unique indexes, sequences [db]") {
  test::TestDatabase db;
  db.load_fixture("kinds.sql");
  Connection c = db.connect();
  std::vector<Table> tables = read_catalog(c);
  std::vector<std::string> names;
  for (const auto& t : tables) names.push_back(t.qualified_name());
  // Partitions are read through their parent; views and materialized views hold no rows of their own.
  CHECK(std::count(names.begin(), names.end(), "public.measurement") == 1);
  CHECK(std::count(names.begin(), names.end(), "public.measurement_2024") == 0);
  CHECK(std::count(names.begin(), names.end(), "public.city_names") == 0);
  CHECK(std::count(names.begin(), names.end(), "public.city_count") == 0);
  CHECK(find(tables, "public.measurement").partitioned);
  CHECK(std::count(names.begin(), names.end(), "public.capital") == 1);

  const Table& product = find(tables, "public.product");
  CHECK(product.find_column("id")->identity == "always");
  CHECK(product.find_column("code")->identity == "by default");
  CHECK(product.find_column("price_with_tax")->generated == "stored");
  CHECK(product.find_column("serial_no")->sequence == "\"public\".\"product_serial_no_seq\"");
  CHECK(product.find_column("id")->sequence.has_value());
  CHECK(product.find_column("price")->default_expr == "0");
  CHECK(product.find_column("price")->type == "numeric(10,2)");

  const Table& join = find(tables, "public._ProductToTag");
  CHECK(join.primary_key.empty());
  REQUIRE(join.unique_keys.size() == 1);
  CHECK_FALSE(join.unique_keys[0].constraint);
  CHECK(join.unique_keys[0].columns == std::vector<std::string>{"A", "B"});
}

TEST_CASE("catalog: foreign keys declared on partitions belong to the partitioned root [db]") {
  test::TestDatabase db;
  db.load_fixture("zoo/partitions.sql");
  // An identical key on the root and on a partition (one deferrable, one not), and a key that
  // references a partition rather than its root.
  db.exec(
      "CREATE TABLE ref (id int PRIMARY KEY);"
      "CREATE TABLE part (id int, ref_id int, day date, PRIMARY KEY (id, day),"
      "  CONSTRAINT part_ref_fkey FOREIGN KEY (ref_id) REFERENCES ref DEFERRABLE INITIALLY DEFERRED)"
      "  PARTITION BY RANGE (day);"
      "CREATE TABLE part_2024 PARTITION OF part FOR VALUES FROM ('2024-01-01') TO ('2025-01-01');"
      "ALTER TABLE part_2024 ADD CONSTRAINT a_part_2024_ref FOREIGN KEY (ref_id) REFERENCES ref (id);"
      "CREATE TABLE pointer (id int PRIMARY KEY, part_id int, part_day date,"
      "  FOREIGN KEY (part_id, part_day) REFERENCES part_2024 (id, day))");
  Connection c = db.connect();
  std::vector<Table> tables = read_catalog(c);
  for (const auto& t : tables) CHECK_MESSAGE(t.name.rfind("readings_", 0) != 0, t.qualified_name());

  // Declared on four leaves (one of them the default partition, two under a sub-partition) under
  // four names: one key, with the first name. The sites key is declared on the sub-partitioned
  // partition only; its leaves' inherited copies add nothing.
  const Table& readings = find(tables, "public.readings");
  REQUIRE(readings.foreign_keys.size() == 2);
  CHECK(readings.foreign_keys[0].name == "readings_2024_device_id_fkey");
  CHECK(readings.foreign_keys[0].columns == std::vector<std::string>{"device_id"});
  CHECK(readings.foreign_keys[0].ref_table == "devices");
  CHECK(readings.foreign_keys[0].ref_columns == std::vector<std::string>{"id"});
  CHECK(readings.foreign_keys[1].name == "readings_2025_site_fkey");
  CHECK(readings.foreign_keys[1].ref_table == "sites");
  CHECK(readings.foreign_keys[1].ref_columns == std::vector<std::string>{"code"});

  // Inheritance children are tables of their own and keep their own keys.
  CHECK(find(tables, "public.events").foreign_keys.size() == 1);
  CHECK(find(tables, "public.events_2024").foreign_keys.size() == 1);

  // The root's own key keeps its name; the partition's immediate copy makes it not deferrable.
  const Table& part = find(tables, "public.part");
  REQUIRE(part.foreign_keys.size() == 1);
  CHECK(part.foreign_keys[0].name == "part_ref_fkey");
  CHECK_FALSE(part.foreign_keys[0].deferrable);
  CHECK_FALSE(part.foreign_keys[0].initially_deferred);
  const Table& pointer = find(tables, "public.pointer");
  REQUIRE(pointer.foreign_keys.size() == 1);
  CHECK(pointer.foreign_keys[0].ref_table == "part");
  CHECK(pointer.foreign_keys[0].ref_columns == std::vector<std::string>{"id", "day"});

  OrderedTables o = select_and_order(c, TableSelection{});
  CHECK(position(o, "public.devices") < position(o, "public.readings"));
  CHECK(position(o, "public.sites") < position(o, "public.readings"));
  CHECK(position(o, "public.ref") < position(o, "public.part"));
  CHECK(position(o, "public.part") < position(o, "public.pointer"));
}

TEST_CASE("catalog: a column names the sequence its default draws from when it owns none [db]") {
  test::TestDatabase db;
  db.load_fixture("zoo/partitions.sql");
  db.exec(
      "CREATE SEQUENCE shared_seq; CREATE SEQUENCE spare_seq;"
      "CREATE TABLE owner_of_spare (id bigint PRIMARY KEY DEFAULT nextval('shared_seq'));"
      "ALTER SEQUENCE spare_seq OWNED BY owner_of_spare.id;"
      "CREATE TABLE shares (id bigint PRIMARY KEY DEFAULT nextval('shared_seq'), n int DEFAULT 1)");
  Connection c = db.connect();
  std::vector<Table> tables = read_catalog(c);
  // Inheritance children take their ids from the parent's serial: the import must move it past
  // their rows too.
  for (const char* name : {"public.events", "public.events_2023", "public.events_2024"})
    CHECK_MESSAGE(find(tables, name).find_column("id")->sequence == "\"public\".\"events_id_seq\"", name);
  CHECK(find(tables, "public.shares").find_column("id")->sequence == "\"public\".\"shared_seq\"");
  CHECK_FALSE(find(tables, "public.shares").find_column("n")->sequence.has_value());
  // An owned sequence wins over the one the default draws from.
  CHECK(find(tables, "public.owner_of_spare").find_column("id")->sequence == "\"public\".\"spare_seq\"");
}
