// Export under row-level security, through the binary and with roles that log in by password:
// refused by default before any file exists, marked as filtered with --enable-row-security, whole
// for roles that bypass it. Every case runs with -j 1 and -j 2.
#include "pgtote/row_security.h"

#include <doctest/doctest.h>
#include <unistd.h>

#include <algorithm>
#include <filesystem>
#include <map>

#include "pgtote/catalog.h"
#include "pgtote/snapshot_reader.h"
#include "test_db.h"

using namespace pgtote;
using test::run_pgtote;

namespace {

size_t count_lines(const std::string& text) { return static_cast<size_t>(std::count(text.begin(), text.end(), '\n')); }

std::string fresh_dir(const std::string& name) {
  std::string dir = test::temp_path(name);
  std::filesystem::create_directories(dir);
  return dir;
}

bool dir_empty(const std::string& dir) { return std::filesystem::is_empty(dir); }

std::map<std::string, uint64_t> row_counts(const std::string& path, SnapshotInfo* info = nullptr) {
  SnapshotReader reader(path);
  if (info) *info = reader.info();
  std::map<std::string, uint64_t> counts;
  Table table;
  while (reader.next_table(table)) counts[table.qualified_name()] = reader.skip_rows();
  return counts;
}

std::string without_time(std::string text) {
  size_t at = text.find("\"exported_at\":");
  return text.erase(at, text.find(',', at) - at);
}

}  // namespace

TEST_CASE("an export that row-level security would filter is refused in one line, before any file exists [db]") {
  test::TestDatabase db;
  db.load_fixture("row_security.sql");
  test::TestRole role(db, "pgtote_rls");
  for (const char* jobs : {"1", "2"}) {
    CAPTURE(jobs);
    std::string dir = fresh_dir("refused");
    auto r = run_pgtote({"export", "--source", role.conninfo(), "-o", dir + "/snap.json", "-j", jobs, "-q"});
    CHECK(r.exit_code == 4);
    CHECK(count_lines(r.err) == 1);
    CHECK(r.err.find("pgtote: error: row-level security would hide rows from role " + role.name() +
                     " in public.note (policy public_notes)") == 0);
    CHECK(r.err.find("insert_any") == std::string::npos);  // not a policy that reading uses
    CHECK(r.err.find("use a role with BYPASSRLS (or the table's owner), or pass --enable-row-security") !=
          std::string::npos);
    CHECK(r.err.find(test::TestRole::password()) == std::string::npos);
    CHECK(dir_empty(dir));

    auto to_stdout = run_pgtote({"export", "--source", role.conninfo(), "-o", "-", "-j", jobs});
    CHECK(to_stdout.exit_code == 4);
    CHECK(to_stdout.out.empty());
  }

  // No policy at all for reading: every row is hidden, and the message says so.
  db.exec("DROP POLICY public_notes ON note");
  std::string dir = fresh_dir("no-policy");
  auto r = run_pgtote({"export", "--source", role.conninfo(), "-o", dir + "/snap.json"});
  CHECK(r.exit_code == 4);
  CHECK(r.err.find("public.note (no policy lets this role read a row)") != std::string::npos);
  CHECK(dir_empty(dir));
}

TEST_CASE("--enable-row-security exports the rows the role sees and marks the snapshot filtered [db]") {
  test::TestDatabase db;
  db.load_fixture("row_security.sql");
  test::TestRole role(db, "pgtote_rls");
  std::map<std::string, std::string> snapshots;
  for (const char* jobs : {"1", "2"}) {
    CAPTURE(jobs);
    std::string path = test::temp_path("filtered.json"), report = test::temp_path("filtered-report.json");
    auto r = run_pgtote(
        {"export", "--source", role.conninfo(), "-o", path, "-j", jobs, "--enable-row-security", "--report", report});
    REQUIRE(r.exit_code == 0);
    CHECK(r.err.find("pgtote: row-level security: role " + role.name() +
                     " exports only the rows its policies show in public.note; the snapshot is marked as filtered") !=
          std::string::npos);
    CHECK(r.err.find("public.note") != std::string::npos);
    CHECK(r.err.find("(filtered by row-level security)") != std::string::npos);  // the statistics line

    SnapshotInfo info;
    auto counts = row_counts(path, &info);
    CHECK(counts.at("public.note") == 2);  // the private row is not visible
    CHECK(counts.at("public.topic") == 1);
    CHECK(info.filtered_by_row_security == std::vector<std::pair<std::string, std::string>>{{"public", "note"}});

    std::string json = parse_json_value(test::read_file(report)).raw;
    CHECK(json.find(R"("name":"note","rows":2,)") != std::string::npos);
    CHECK(json.find(R"("filtered_by_row_security":true)") != std::string::npos);
    CHECK(json.find(R"("name":"topic","rows":1,)") != std::string::npos);
    CHECK(json.find(R"("filtered_by_row_security":false)") != std::string::npos);

    auto inspect = run_pgtote({"inspect", path});
    CHECK(inspect.exit_code == 0);
    CHECK(inspect.out.find("filtered:  by row-level security") != std::string::npos);
    CHECK(inspect.out.find("public.note  rows 2  primary key (id)  [filtered by row-level security]") !=
          std::string::npos);
    CHECK(inspect.out.find("public.topic  rows 1  primary key (id)\n") != std::string::npos);
    snapshots[jobs] = without_time(test::read_file(path));
  }
  CHECK(snapshots["1"] == snapshots["2"]);
}

TEST_CASE("BYPASSRLS, a superuser and the owner without FORCE export every row, FORCE filters the owner [db]") {
  test::TestDatabase db;
  db.load_fixture("row_security.sql");
  test::TestRole bypass(db, "pgtote_rls", "BYPASSRLS");
  test::TestRole owner(db, "pgtote_rls");
  for (const char* jobs : {"1", "2"}) {
    CAPTURE(jobs);
    for (const auto& source : {bypass.conninfo(), db.conninfo()}) {
      for (bool enable : {false, true}) {
        CAPTURE(enable);
        std::string path = test::temp_path("whole.json");
        std::vector<std::string> args = {"export", "--source", source, "-o", path, "-j", jobs};
        if (enable) args.push_back("--enable-row-security");
        auto r = run_pgtote(args);
        REQUIRE(r.exit_code == 0);
        CHECK(r.err.find("row-level security") == std::string::npos);
        SnapshotInfo info;
        CHECK(row_counts(path, &info).at("public.note") == 3);
        CHECK(info.filtered_by_row_security.empty());
        CHECK(test::read_file(path).find("filtered_by_row_security") == std::string::npos);
      }
    }
  }

  db.exec("ALTER TABLE note OWNER TO " + owner.name());
  std::string path = test::temp_path("owner.json");
  auto whole = run_pgtote({"export", "--source", owner.conninfo(), "-o", path});
  REQUIRE(whole.exit_code == 0);
  CHECK(row_counts(path).at("public.note") == 3);

  db.exec("ALTER TABLE note FORCE ROW LEVEL SECURITY");
  for (const char* jobs : {"1", "2"}) {
    CAPTURE(jobs);
    std::string dir = fresh_dir("forced");
    auto r = run_pgtote({"export", "--source", owner.conninfo(), "-o", dir + "/snap.json", "-j", jobs, "-q"});
    CHECK(r.exit_code == 4);
    CHECK(count_lines(r.err) == 1);
    CHECK(r.err.find("public.note (policy public_notes; FORCE ROW LEVEL SECURITY, so the owner is filtered too)") !=
          std::string::npos);
    CHECK(dir_empty(dir));
    // The bypassing role still reads every row of a forced table.
    std::string all = test::temp_path("bypass-forced.json");
    REQUIRE(run_pgtote({"export", "--source", bypass.conninfo(), "-o", all, "-j", jobs}).exit_code == 0);
    CHECK(row_counts(all).at("public.note") == 3);
  }
}

TEST_CASE("check_row_security lists, in the given order, only the tables the role reads through policies [db]") {
  test::TestDatabase db;
  db.load_fixture("row_security.sql");
  test::TestRole role(db, "pgtote_rls");
  db.exec(
      "CREATE TABLE mine (id int PRIMARY KEY); ALTER TABLE mine ENABLE ROW LEVEL SECURITY; ALTER TABLE mine OWNER TO " +
      role.name() +
      "; CREATE TABLE \"Other Notes\" (id int); ALTER TABLE \"Other Notes\" ENABLE ROW LEVEL SECURITY; "
      "CREATE POLICY \"b\" ON \"Other Notes\" USING (true); CREATE POLICY \"A b\" ON \"Other Notes\" USING (true); "
      "CREATE POLICY only_admins ON \"Other Notes\" TO pg_monitor USING (true)");
  Connection connection = Connection::open(role.conninfo());
  std::vector<Table> catalog = read_catalog(connection);
  std::vector<const Table*> tables;
  for (const auto& table : catalog) tables.push_back(&table);  // Other Notes, mine, note, topic
  RowSecurityCheck check = check_row_security(connection, tables);
  CHECK(check.role == role.name());
  REQUIRE(check.filtered.size() == 2);
  CHECK(tables[check.filtered[0].position]->name == "Other Notes");
  CHECK(check.filtered[0].policies == std::vector<std::string>{"A b", "b"});  // not only_admins: not this role's
  CHECK_FALSE(check.filtered[0].forced);
  CHECK(tables[check.filtered[1].position]->name == "note");
  CHECK(row_security_refusal(check, tables)
            .find("in public.Other Notes (policies A b, b), public.note (policy "
                  "public_notes): use a role") != std::string::npos);
}
