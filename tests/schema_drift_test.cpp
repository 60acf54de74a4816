// Schema drift rules on hand-made catalogs.
#include "pgtote/schema_drift.h"

#include <doctest/doctest.h>

using namespace pgtote;

namespace {
Table table(const std::string& name, std::vector<std::pair<std::string, std::string>> columns) {
  Table t;
  t.schema = "public";
  t.name = name;
  for (auto& [column, type] : columns) {
    Column c;
    c.name = column;
    c.type = type;
    t.columns.push_back(c);
  }
  t.primary_key = {"id"};
  return t;
}
std::vector<DriftItem::Kind> kinds(const std::vector<DriftItem>& items) {
  std::vector<DriftItem::Kind> out;
  for (const auto& i : items) out.push_back(i.kind);
  return out;
}
}  // namespace

TEST_CASE("identical tables have no drift") {
  Table t = table("campaigns", {{"id", "integer"}, {"archived", "boolean"}});
  CHECK(schema_drift({t}, {t}).empty());
}

TEST_CASE("a missing table and a missing column block, with SQL to add the column") {
  Table dev = table("campaigns", {{"id", "integer"}, {"archived", "boolean"}});
  dev.columns[1].not_null = true;
  dev.columns[1].default_expr = "false";
  Table prod = table("campaigns", {{"id", "integer"}});
  auto items = schema_drift({dev}, {prod});
  REQUIRE(items.size() == 1);
  CHECK(items[0].kind == DriftItem::Kind::missing_column);
  CHECK(items[0].blocking);
  CHECK(items[0].message.find("public.campaigns.archived") != std::string::npos);
  CHECK(items[0].suggestion ==
        "ALTER TABLE \"public\".\"campaigns\" ADD COLUMN \"archived\" boolean DEFAULT false NOT NULL;");
  auto ignored = table_drift(dev, {prod}, {{"public", "campaigns"}}, true);
  CHECK_FALSE(ignored[0].blocking);
  CHECK(ignored[0].message.find("dropped") != std::string::npos);

  auto missing = schema_drift({dev}, {});
  REQUIRE(missing.size() == 1);
  CHECK(missing[0].kind == DriftItem::Kind::missing_table);
  CHECK(missing[0].blocking);
}

TEST_CASE("a required target column, a type change, keys and outside parents are named") {
  Table dev = table("orders", {{"id", "integer"}, {"total", "integer"}});
  Table prod = table("orders", {{"id", "integer"}, {"total", "bigint"}, {"region", "text"}});
  prod.columns[2].not_null = true;
  prod.primary_key = {"id", "region"};
  prod.unique_keys = {{"orders_total_key", {"total"}, true}};
  prod.foreign_keys = {{"orders_region_fkey", {"region"}, "public", "regions", {"code"}, false, false}};
  auto items = schema_drift({dev}, {prod});
  CHECK(kinds(items) == std::vector<DriftItem::Kind>{DriftItem::Kind::type_differs, DriftItem::Kind::required_column,
                                                     DriftItem::Kind::key_differs, DriftItem::Kind::key_differs,
                                                     DriftItem::Kind::outside_parent});
  CHECK(items[0].message.find("values convert") != std::string::npos);
  CHECK(items[1].blocking);
  CHECK_FALSE(items[2].blocking);
  CHECK(items[4].message.find("public.regions") != std::string::npos);
}

TEST_CASE("conversion notes") {
  CHECK(conversion_note("integer", "bigint") == "values convert");
  CHECK(conversion_note("bigint", "integer").find("only if they fit") != std::string::npos);
  CHECK(conversion_note("uuid", "text").find("values convert") == 0);
  CHECK(conversion_note("text", "uuid").find("may not convert") != std::string::npos);
}

TEST_CASE("ADD COLUMN keeps a generated column generated, stored or virtual") {
  Table dev = table("booking", {{"id", "integer"}, {"nights", "integer"}, {"total", "numeric"}});
  dev.columns[1].generated = "virtual";
  dev.columns[1].default_expr = "(upper(during) - lower(during))";
  dev.columns[2].generated = "stored";
  dev.columns[2].default_expr = "(price * 2)";
  Table prod = table("booking", {{"id", "integer"}});
  auto items = schema_drift({dev}, {prod});
  REQUIRE(items.size() == 2);
  CHECK(items[0].suggestion ==
        "ALTER TABLE \"public\".\"booking\" ADD COLUMN \"nights\" integer GENERATED ALWAYS AS "
        "((upper(during) - lower(during))) VIRTUAL;");
  CHECK(items[1].suggestion ==
        "ALTER TABLE \"public\".\"booking\" ADD COLUMN \"total\" numeric GENERATED ALWAYS AS ((price * 2)) STORED;");
}

TEST_CASE("a temporal key differs from a plain one on the same columns") {
  Table dev = table("room", {{"id", "integer"}, {"valid", "daterange"}});
  dev.primary_key = {"id", "valid"};
  dev.primary_key_without_overlaps = true;
  Table prod = dev;
  prod.primary_key_without_overlaps = false;
  auto items = schema_drift({dev}, {prod});
  REQUIRE(items.size() == 1);
  CHECK(items[0].kind == DriftItem::Kind::key_differs);
  CHECK(items[0].message.find("(id, valid WITHOUT OVERLAPS) in the snapshot, (id, valid) in the target") !=
        std::string::npos);
  CHECK(schema_drift({dev}, {dev}).empty());
}
