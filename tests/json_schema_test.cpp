// docs/report.schema.json and docs/snapshot.schema.json checked against the files pgtote writes:
// reports of real runs (succeeded, refused, failed) and real snapshots; and the schemas are
// shown to reject broken documents, so a schema that accepts anything fails here.
#include <doctest/doctest.h>
#include <rapidjson/document.h>
#include <rapidjson/schema.h>
#include <rapidjson/stringbuffer.h>

#include <filesystem>
#include <fstream>

#include "test_db.h"

using namespace pgtote;
using test::run_pgtote;

namespace {

// Empty when `json` is valid against docs/<schema_file>; otherwise where and why it is not.
std::string schema_errors(const std::string& schema_file, const std::string& json) {
  rapidjson::Document schema_json;
  schema_json.Parse(test::read_file(std::string(PGTOTE_SOURCE_DIR) + "/docs/" + schema_file).c_str());
  REQUIRE_MESSAGE(!schema_json.HasParseError(), schema_file << " is not JSON");
  rapidjson::SchemaDocument schema(schema_json);
  rapidjson::Document document;
  document.Parse(json.c_str());
  if (document.HasParseError()) return "not JSON";
  rapidjson::SchemaValidator validator(schema);
  if (document.Accept(validator)) return "";
  rapidjson::StringBuffer schema_where, document_where;
  validator.GetInvalidSchemaPointer().StringifyUriFragment(schema_where);
  validator.GetInvalidDocumentPointer().StringifyUriFragment(document_where);
  return std::string("document ") + document_where.GetString() + " fails schema " + schema_where.GetString() +
         " (keyword " + validator.GetInvalidSchemaKeyword() + ")";
}

std::string replaced(std::string text, const std::string& from, const std::string& to) {
  auto at = text.find(from);
  REQUIRE_MESSAGE(at != std::string::npos, from);
  return text.replace(at, from.size(), to);
}

const char* minimal_report =
    R"({"report_version":1,"pgtote_version":"0.1.0","command":"diff","dry_run":false,"snapshot":"s.json",)"
    R"("source":null,"target":"dbname=x password=****","server_version":"16.4","exit_code":8,"error":null,)"
    R"("mode":"diff","ok":false,"drift":[{"kind":"missing table","table":"public.t","column":null,)"
    R"("blocking":true,"message":"m","suggestion":null}],"sequences":[],"notes":[]})";

const char* minimal_snapshot =
    R"({"format":"pgtote-snapshot","version":1,"tool":"pgtote 0.1.0","exported_at":"2025-03-14T09:26:53Z",)"
    R"("source":{"server_version":"16.4","database":"app"},"order":[["public","t"]],"components":[],)"
    R"("tables":[{"schema":"public","name":"t","columns":[{"name":"id","type":"integer","encoding":"number",)"
    R"("nullable":false,"default":null,"identity":null,"generated":null,"sequence":null}],"primary_key":["id"],)"
    R"("unique_keys":[],"foreign_keys":[],"rows":[[1],[2]],"row_count":2}]})";

// A run's report: valid against the schema, with the run's exit code.
std::string checked_report(const std::string& path, const test::RunResult& run) {
  std::string json = test::read_file(path);
  CAPTURE(json);
  CHECK(schema_errors("report.schema.json", json) == "");
  CHECK(json.find("\"exit_code\":" + std::to_string(run.exit_code) + ",") != std::string::npos);
  return json;
}

}  // namespace

TEST_CASE("the report schema accepts a report and rejects broken ones") {
  CHECK(schema_errors("report.schema.json", minimal_report) == "");
  std::string report = minimal_report;
  for (auto [from, to] : std::vector<std::pair<std::string, std::string>>{
           {R"("command":"diff",)", ""},                                // a required field missing
           {R"("exit_code":8)", R"("exit_code":"8")"},                  // a number as a string
           {R"("exit_code":8)", R"("exit_code":42)"},                   // no such exit code
           {R"("command":"diff")", R"("command":"restore")"},           // no such command
           {R"("notes":[])", R"("notes":[],"extra":1)"},                // a field the schema does not know
           {R"("kind":"missing table")", R"("kind":"missing index")"},  // no such drift kind
           {R"("error":null)", R"("error":{"sqlstate":"23505"})"},      // an error without its message
       }) {
    CAPTURE(to);
    CHECK(schema_errors("report.schema.json", replaced(report, from, to)) != "");
  }
}

TEST_CASE("the snapshot schema accepts a snapshot and rejects broken ones") {
  CHECK(schema_errors("snapshot.schema.json", minimal_snapshot) == "");  // no source identity: an older pgtote's
  std::string snapshot = minimal_snapshot;
  const std::string name_only = R"("database":"app"})";
  const std::string identified = R"("database":"app","system_identifier":"7714190862981930607","database_oid":16384})";
  CHECK(schema_errors("snapshot.schema.json", replaced(snapshot, name_only, identified)) == "");
  for (const auto& to :
       {R"("database":"app","system_identifier":7714190862981930607})",  // rounded by a double
        R"("database":"app","system_identifier":"x7"})", R"("database":"app","database_oid":"16384"})"}) {
    CAPTURE(to);
    CHECK(schema_errors("snapshot.schema.json", replaced(snapshot, name_only, to)) != "");
  }
  for (auto [from, to] : std::vector<std::pair<std::string, std::string>>{
           {R"("format":"pgtote-snapshot")", R"("format":"other")"},
           {R"("version":1)", R"("version":3)"},
           {R"("encoding":"number")", R"("encoding":"decimal")"},
           {R"("row_count":2)", R"("row_count":-2)"},
           {R"("rows":[[1],[2]])", R"("rows":[1,2])"},
           {R"("order":[["public","t"]])", R"("order":[["public"]])"},
           {R"(,"row_count":2)", ""},
       }) {
    CAPTURE(to);
    CHECK(schema_errors("snapshot.schema.json", replaced(snapshot, from, to)) != "");
  }
}

TEST_CASE("snapshots pgtote writes match docs/snapshot.schema.json: plain, -j 2, anonymized subset [db]") {
  test::TestDatabase db, users;
  db.load_fixture("shapes.sql");
  users.load_fixture("anonymize.sql");
  std::string plain = test::temp_path("schema-plain.json"), parallel = test::temp_path("schema-parallel.json");
  REQUIRE(run_pgtote({"export", "--source", db.conninfo(), "-o", plain, "-q"}).exit_code == 0);
  REQUIRE(run_pgtote({"export", "--source", db.conninfo(), "-o", parallel, "-q", "-j", "2"}).exit_code == 0);
  std::string dir = test::temp_path("schema-config");
  std::filesystem::create_directories(dir);
  std::ofstream(dir + "/pgtote.yml") << "subset:\n  start:\n    - table: public.User\n      where: \"id <= 10\"\n"
                                     << "anonymize:\n  salt: pepper\n  rules:\n    public.User.email: email\n";
  std::string anonymized = dir + "/anonymized.json";
  auto run = run_pgtote({"export", "--source", users.conninfo(), "-o", anonymized, "-q"}, {}, dir);
  REQUIRE_MESSAGE(run.exit_code == 0, run.err);
  for (const auto& path : {plain, parallel, anonymized}) {
    CAPTURE(path);
    CHECK(schema_errors("snapshot.schema.json", test::read_file(path)) == "");
  }
  CHECK(test::read_file(anonymized).find("\"anonymized\":[") != std::string::npos);
  CHECK(test::read_file(plain).find("\"system_identifier\":\"") != std::string::npos);
  CHECK(test::read_file(plain).find("\"database_oid\":") != std::string::npos);
  CHECK(test::read_file(anonymized).find("\"subset\":{") != std::string::npos);
}

TEST_CASE("reports of real runs match docs/report.schema.json: done, refused, failed, for every command [db]") {
  test::TestDatabase source, target;
  source.load_fixture("shapes.sql");
  source.exec("CREATE TABLE counter (id serial PRIMARY KEY); INSERT INTO counter DEFAULT VALUES;");
  test::copy_schema(source, target);
  std::string snapshot = test::temp_path("schema-run.json"), report = test::temp_path("schema-report.json");

  auto exported = run_pgtote({"export", "--source", source.conninfo(), "-o", snapshot, "-q", "--report", report});
  REQUIRE(exported.exit_code == 0);
  std::string json = checked_report(report, exported);
  CHECK(json.find(R"("command":"export","dry_run":false,"snapshot":")" + snapshot + "\"") != std::string::npos);
  CHECK(json.find(R"("server_version":null)") == std::string::npos);

  auto preview = run_pgtote({"export", "--source", source.conninfo(), "--dry-run", "-q", "--report", report});
  CHECK(preview.exit_code == 0);
  CHECK(checked_report(report, preview).find(R"("preview":[{"schema":)") != std::string::npos);

  auto dry = run_pgtote({"import", snapshot, "--target", target.conninfo(), "--dry-run", "--report", report});
  CHECK(dry.exit_code == 0);
  CHECK(checked_report(report, dry).find(R"("mode":"dry-run","ok":true)") != std::string::npos);

  auto imported = run_pgtote({"import", snapshot, "--target", target.conninfo(), "--report", report});
  CHECK(imported.exit_code == 0);
  json = checked_report(report, imported);
  CHECK(json.find(R"("sequences":[")") != std::string::npos);  // counter's sequence placed after its rows

  // Refused by the checks: exit 7, the problem with its rows and keys, no error.
  target.exec(
      "ALTER TABLE account ADD UNIQUE (name); UPDATE account SET name = 'x' WHERE id = 2; "
      "INSERT INTO account VALUES (3, 'two')");
  auto refused = run_pgtote({"import", snapshot, "--target", target.conninfo(), "-q", "--report", report});
  CHECK(refused.exit_code == 7);
  json = checked_report(report, refused);
  CHECK(json.find(R"("error":null)") != std::string::npos);
  CHECK(json.find(R"("kind":"conflict","count":1,"blocking":true)") != std::string::npos);
  CHECK(json.find("name=two is already held by the target's row id=3") != std::string::npos);

  // Failed before any work: the error and its exit code, the password masked.
  auto failed = run_pgtote(
      {"import", snapshot, "--target", "dbname=pgtote_no_such_db password=Sekr1t-xyz", "-q", "--report", report});
  CHECK(failed.exit_code == 3);
  json = checked_report(report, failed);
  CHECK(json.find(R"("error":{"message":"cannot connect)") != std::string::npos);
  CHECK(json.find("Sekr1t-xyz") == std::string::npos);
  CHECK(json.find("password=****") != std::string::npos);
  CHECK(json.find(R"("server_version":null)") != std::string::npos);

  // diff: drift (exit 8), and none (exit 0) against a live source.
  target.exec("ALTER TABLE account DROP COLUMN name");
  auto drift = run_pgtote({"diff", snapshot, "--target", target.conninfo(), "--report", report});
  CHECK(drift.exit_code == 8);
  CHECK(checked_report(report, drift).find(R"("kind":"missing column","table":"public.account")") != std::string::npos);
  auto same = run_pgtote({"diff", "--source", source.conninfo(), "--target", source.conninfo(), "--report", report});
  CHECK(same.exit_code == 0);
  CHECK(checked_report(report, same).find(R"("drift":[])") != std::string::npos);
}
