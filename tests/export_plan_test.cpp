// Export plans without a server: the default query, the stable order, and the key-set filter.
#include "pgtote/export_plan.h"

#include <doctest/doctest.h>

using namespace pgtote;

namespace {
Column column(const std::string& name, const std::string& type, bool not_null) {
  Column c;
  c.name = name;
  c.type = type;
  c.not_null = not_null;
  return c;
}

Table table_with(std::vector<std::string> primary_key) {
  Table table;
  table.schema = "public";
  table.name = "User";
  table.columns = {column("id", "integer", true), column("full \"name\"", "text", false)};
  table.primary_key = std::move(primary_key);
  return table;
}
}  // namespace

TEST_CASE("a table's default plan reads every column in key order, identifiers quoted") {
  Table table = table_with({"id"});
  ExportPlan plan = plan_table(table);
  CHECK(plan.sql() == R"(SELECT t."id", t."full ""name""" FROM ONLY "public"."User" t ORDER BY t."id")");
  CHECK(plan.count_sql() == R"(SELECT pg_catalog.count(*) FROM ONLY "public"."User" t)");
  table.partitioned = true;
  CHECK(plan_table(table).sql() == R"(SELECT t."id", t."full ""name""" FROM "public"."User" t ORDER BY t."id")");
}

TEST_CASE("without a key the order is the row's text, a NOT NULL unique key is used when there is one") {
  Table table = table_with({});
  CHECK(plan_table(table).order_by == "t::text COLLATE \"C\"");
  table.unique_keys = {{"u", {"full \"name\""}, true}};
  CHECK(plan_table(table).order_by == "t::text COLLATE \"C\"");  // nullable: not a stable key
  table.unique_keys.push_back({"u2", {"id"}, true});
  CHECK(plan_table(table).order_by == "t.\"id\"");
  CHECK(row_identity(table)[0].sql == "t.\"id\"");
  CHECK(row_identity(table_with({})).size() == 2);  // tableoid, ctid
}

TEST_CASE("a rewritten column keeps its name, the filter narrows, the order stays") {
  Table table = table_with({"id"});
  ExportPlan plan = plan_table(table);
  plan.select_list[1] = "NULL::text";
  plan.filter = tuple_in_sql(row_identity(table), {{"1"}, {"it's \\ \"2\""}});
  CHECK(
      plan.sql() ==
      R"(SELECT t."id", NULL::text AS "full ""name""" FROM ONLY "public"."User" t WHERE (t."id") IN )"
      R"((SELECT u.c0::integer FROM ROWS FROM (pg_catalog.unnest(E'{"1","it''s \\\\ \\"2\\""}'::pg_catalog.text[])) AS u(c0)) )"
      R"(ORDER BY t."id")");
  CHECK(tuple_in_sql(row_identity(table), {}) == "false");
}
