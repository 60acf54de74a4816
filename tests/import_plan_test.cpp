// Import planning without a server: table and column matching, key choice, skips, SQL quoting.
#include "pgtote/import_plan.h"

#include <doctest/doctest.h>

#include "pgtote/error.h"
#include "pgtote/import_sql.h"

using namespace pgtote;

namespace {
Table table(const std::string& name, std::vector<std::string> columns) {
  Table t;
  t.schema = "public";
  t.name = name;
  for (auto& c : columns) {
    Column column;
    column.name = c;
    column.not_null = true;
    t.columns.push_back(column);
  }
  return t;
}
}  // namespace

TEST_CASE("rows match on the primary key, else a NOT NULL unique key, else the whole row") {
  Table target = table("t", {"id", "email", "note"});
  target.primary_key = {"id"};
  target.unique_keys = {{"t_email_key", {"email"}, true}};
  Table snapshot = table("t", {"id", "email", "note"});
  CHECK(plan_table(snapshot, 0, {target}, {}).key == std::vector<std::string>{"id"});
  target.primary_key.clear();
  std::vector<Table> targets = {target};
  TablePlan plan = plan_table(snapshot, 0, targets, {});
  CHECK(plan.key == std::vector<std::string>{"email"});
  CHECK(plan.key_source == "unique key t_email_key");
  target.columns[1].not_null = false;
  CHECK(plan_table(snapshot, 0, {target}, {}).key.empty());
}

TEST_CASE("generated columns are not written, unknown tables and columns are drift") {
  Table target = table("t", {"id", "total"});
  target.columns[1].generated = "stored";
  std::vector<Table> targets = {target};
  TablePlan plan = plan_table(table("t", {"id", "total"}), 3, targets, {});
  REQUIRE(plan.columns.size() == 1);
  CHECK(plan.columns[0].name == "id");
  CHECK(plan.stage == "pgtote_stage_3");
  try {
    plan_table(table("t\"; DROP TABLE t; --", {"id"}), 0, {target}, {});
    FAIL("expected drift");
  } catch (const Error& e) {
    CHECK(e.code() == ExitCode::drift);
  }
  CHECK_THROWS_AS(plan_table(table("t", {"id", "nope"}), 0, {target}, {}), Error);
}

TEST_CASE("skipped tables need no target") {
  TableSelection selection;
  selection.skip_audit = true;
  TablePlan plan = plan_table(table("AuditLog", {"id"}), 0, {}, selection);
  CHECK(plan.skipped);
  CHECK(plan.skip_reason.find("audit") != std::string::npos);
}

TEST_CASE("merge SQL quotes every identifier and writes a cycle in one statement") {
  Table store = table("st\"ore", {"id", "manager id"});
  store.primary_key = {"id"};
  Table staff = table("staff", {"id", "store_id"});
  staff.primary_key = {"id"};
  std::vector<Table> targets = {store, staff};  // plans point into the target catalog
  TablePlan a = plan_table(store, 0, targets, {});
  TablePlan b = plan_table(staff, 1, targets, {});
  std::string sql = import_sql::merge({&a, &b}, false);
  CHECK(sql.find("UPDATE ONLY \"public\".\"st\"\"ore\" t SET \"id\" = s.\"id\", \"manager id\" = s.\"manager id\"") !=
        std::string::npos);
  CHECK(sql.find("INSERT INTO \"public\".\"staff\" (\"id\", \"store_id\") OVERRIDING SYSTEM VALUE") !=
        std::string::npos);
  CHECK(sql.rfind("WITH ", 0) == 0);
  CHECK(sql.find("WITH ", 1) == std::string::npos);  // one statement
  CHECK(import_sql::merge({&a}, true).find("UPDATE") == std::string::npos);
}
