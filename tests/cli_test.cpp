// The pgtote binary as users run it: output streams, exit codes, errors, secrets, interruption.
#include <doctest/doctest.h>
#include <signal.h>
#include <unistd.h>

#include <algorithm>
#include <chrono>
#include <filesystem>
#include <fstream>
#include <thread>

#include "pgtote/snapshot_reader.h"
#include "test_db.h"

using namespace pgtote;
using test::run_pgtote;

namespace {
size_t count_lines(const std::string& text) { return static_cast<size_t>(std::count(text.begin(), text.end(), '\n')); }

std::vector<std::string> files_in(const std::string& dir) {
  std::vector<std::string> names;
  for (const auto& entry : std::filesystem::directory_iterator(dir)) names.push_back(entry.path().filename());
  return names;
}

const char* password = "Sup3r-S3cret-pw";

// A role that must log in with a password (the test cluster trusts only the superuser).
void create_password_role(const test::TestDatabase& db) {
  db.exec(
      "DO $$ BEGIN IF NOT EXISTS (SELECT 1 FROM pg_roles WHERE rolname = 'pgtote_secret') THEN "
      "CREATE ROLE pgtote_secret LOGIN PASSWORD '" +
      std::string(password) + "'; END IF; END $$");
  db.exec(
      "GRANT SELECT ON ALL TABLES IN SCHEMA public TO pgtote_secret; GRANT USAGE ON SCHEMA billing TO pgtote_secret; "
      "GRANT SELECT ON ALL TABLES IN SCHEMA billing TO pgtote_secret");
}

std::string socket_uri(const test::TestDatabase& db, const std::string& user_password) {
  return "postgresql://pgtote_secret:" + user_password + "@/" + db.name() + "?host=" + std::getenv("PGHOST") +
         "&port=" + std::getenv("PGPORT");
}
}  // namespace

TEST_CASE("usage errors exit 2 with one line") {
  auto r = run_pgtote({"frobnicate"});
  CHECK(r.exit_code == 2);
  CHECK(count_lines(r.err) == 1);
  CHECK(run_pgtote({"export", "--no-such-flag"}).exit_code == 2);
  auto help = run_pgtote({"--help"});
  CHECK(help.exit_code == 0);
  CHECK(help.out.find("export") != std::string::npos);
}

TEST_CASE("help: pgtote help CMD and CMD --help agree, usage lines start with pgtote, -V prints the version") {
  for (const auto& command : {"export", "import", "diff", "order", "inspect", "init"}) {
    CAPTURE(command);
    auto help = run_pgtote({"help", command});
    CHECK(help.exit_code == 0);
    CHECK(help.out == run_pgtote({command, "--help"}).out);
    CHECK(help.out.find("Usage:\n  pgtote " + std::string(command) + " [OPTION...]") != std::string::npos);
    CHECK(help.out.find("--file") == std::string::npos);  // the FILE argument is no flag
  }
  CHECK(run_pgtote({"import", "--help"}).out.find("pgtote import [OPTION...] FILE\n") != std::string::npos);
  CHECK(run_pgtote({"--help"}).out.find("\nusage: pgtote COMMAND") != std::string::npos);
  CHECK(run_pgtote({"help"}).out == run_pgtote({"--help"}).out);
  for (const auto& flag : {"-V", "--version"}) {
    auto version = run_pgtote({flag});
    CHECK(version.exit_code == 0);
    CHECK(version.out == "pgtote " PGTOTE_TEST_VERSION "\n");
  }
  auto unknown_help = run_pgtote({"help", "exprot"});
  CHECK(unknown_help.exit_code == 2);
  CHECK(unknown_help.err.find("did you mean 'export'?") != std::string::npos);
}

TEST_CASE("usage errors: a mistyped command gets a suggestion, extra arguments and bad values name themselves") {
  auto typo = run_pgtote({"improt", "x.json"});
  CHECK(typo.exit_code == 2);
  CHECK(typo.err ==
        "pgtote: error: unknown command 'improt'; did you mean 'import'? (pgtote --help lists the commands)\n");
  auto extra = run_pgtote({"inspect", "a.json", "b.json"});
  CHECK(extra.exit_code == 2);
  CHECK(extra.err ==
        "pgtote: error: unexpected argument 'b.json': pgtote inspect takes one snapshot FILE (see pgtote inspect "
        "--help)\n");
  auto stray = run_pgtote({"export", "snapshot.json"});
  CHECK(stray.exit_code == 2);
  CHECK(stray.err.find("unexpected argument 'snapshot.json': pgtote export takes no FILE") != std::string::npos);
  auto jobs = run_pgtote({"export", "-j", "many"});
  CHECK(jobs.exit_code == 2);
  CHECK(jobs.err == "pgtote: error: -j/--jobs: expected a whole number from 1 to 64, not 'many'\n");
  CHECK(run_pgtote({"export", "--jobs", "65"}).err.find("-j/--jobs: expected a whole number from 1 to 64") !=
        std::string::npos);
  auto show_diff = run_pgtote({"import", "x.json", "--dry-run", "--show-diff", "2x"});
  CHECK(show_diff.exit_code == 2);
  CHECK(show_diff.err.find("--show-diff: expected a whole number") != std::string::npos);
  auto missing_value = run_pgtote({"export", "--source"});
  CHECK(missing_value.exit_code == 2);
  CHECK(missing_value.err.find("source") != std::string::npos);
}

TEST_CASE("a malformed URL never shows its password, whatever libpq echoes") {
  for (const std::string& url : {std::string("postgresql://me:Sup3r-S3cret-pw@[::1/app"),
                                 std::string("postgresql://me:Sup3r-S3cret-pw%ZZ@localhost/app"),
                                 std::string("postgresql://me:Sup3r-S3cret-pw@localhost:notaport/app"),
                                 std::string("postgresql://me:Sup3r-S3cret-pw@localhost/app?nosuchoption=1"),
                                 std::string("postgresql://me:Sup3r%2DS3cret%2Dpw@[::1/app"),
                                 std::string("host=localhost password=Sup3r-S3cret-pw nosuchoption=1"),
                                 std::string("host=localhost password='Sup3r-S3cret-pw")}) {
    CAPTURE(url);
    for (const auto& args : std::vector<std::vector<std::string>>{
             {"order", "--source", url}, {"export", "--source", url, "-o", test::temp_path("never.json")}}) {
      auto r = run_pgtote(args);
      CHECK(r.exit_code == 3);
      CHECK(r.err.find("pgtote: error: cannot connect") != std::string::npos);
      CHECK(r.err.find("Sup3r") == std::string::npos);
      CHECK(r.out.find("Sup3r") == std::string::npos);
    }
    auto env = run_pgtote({"order"}, {{"DATABASE_URL", url}});
    CHECK(env.err.find("Sup3r") == std::string::npos);
    CHECK(env.err.find("pgtote: source from DATABASE_URL: ") != std::string::npos);
  }
}

TEST_CASE("the connection's origin is said once on stderr, and Prisma's ?schema= selects that schema [db]") {
  test::TestDatabase db;
  db.load_fixture("shapes.sql");
  std::string url = std::string("postgresql:///") + db.name() + "?host=" + std::getenv("PGHOST") +
                    "&port=" + std::getenv("PGPORT") + "&schema=billing";
  std::string dir = test::temp_path("prisma-project");
  std::filesystem::create_directories(dir);
  std::ofstream(dir + "/.env") << "DATABASE_URL=\"" << url << "\"\n";
  auto order = run_pgtote({"order"}, {}, dir);
  REQUIRE(order.exit_code == 0);
  CHECK(order.out == "billing.invoice\n");
  // Shown as libpq receives it: without ?schema=, which the note names instead.
  std::string shown = url.substr(0, url.find("&schema="));
  CHECK(order.err == "pgtote: source from DATABASE_URL in .env: " + shown + " (schema billing, as -n billing)\n");
  // -n beats the URL's schema.
  CHECK(run_pgtote({"order", "-n", "public", "-t", "account"}, {}, dir).out == "public.account\n");

  // Export: once, whatever the number of connections; -q says nothing.
  std::string path = test::temp_path("prisma.json");
  auto exported = run_pgtote({"export", "-o", path, "-j", "2"}, {}, dir);
  REQUIRE(exported.exit_code == 0);
  size_t first = exported.err.find("pgtote: source from DATABASE_URL in .env: ");
  CHECK(first != std::string::npos);
  CHECK(exported.err.find("pgtote: source from", first + 1) == std::string::npos);
  CHECK(exported.err.find("billing.invoice") != std::string::npos);
  CHECK(exported.err.find("public.account") == std::string::npos);
  CHECK(run_pgtote({"export", "-o", path, "-q"}, {}, dir).err.empty());
  auto imported = run_pgtote({"import", path, "--dry-run", "--target", db.conninfo()}, {}, dir);
  CHECK(imported.exit_code == 0);
  CHECK(imported.err.rfind("pgtote: target from --target: " + db.conninfo() + "\n", 0) == 0);
}

TEST_CASE("export -o - writes the snapshot to stdout and statistics to stderr [db]") {
  test::TestDatabase db;
  db.load_fixture("shapes.sql");
  std::string report = test::temp_path("report.json");
  auto r = run_pgtote({"export", "--source", db.conninfo(), "-o", "-", "--report", report});
  REQUIRE(r.exit_code == 0);
  std::string snapshot = test::temp_path("stdout.json");
  std::ofstream(snapshot) << r.out;
  SnapshotReader reader(snapshot);
  CHECK(reader.info().order.size() == 15);
  CHECK(r.err.find("total (15 tables)") != std::string::npos);
  CHECK(r.err.find("public.staff") != std::string::npos);

  JsonValue json = parse_json_value(test::read_file(report));
  REQUIRE(json.type == JsonValue::Type::object);
  CHECK(json.raw.find("\"tables\":[{\"schema\":\"billing\",\"name\":\"invoice\",\"rows\":2,\"bytes\":") !=
        std::string::npos);
  CHECK(json.raw.find("\"totals\":{\"rows\":27,") != std::string::npos);
  // The reported bytes are the file's bytes, with one connection and with the default two.
  for (const char* jobs : {"1", "2"}) {
    std::string file = test::temp_path("sized.json"), sized = test::temp_path("sized-report.json");
    REQUIRE(
        run_pgtote({"export", "--source", db.conninfo(), "-o", file, "-q", "-j", jobs, "--report", sized}).exit_code ==
        0);
    CHECK(parse_json_value(test::read_file(sized))
              .raw.find("\"bytes\":" + std::to_string(test::read_file(file).size()) + ",\"seconds\"") !=
          std::string::npos);
  }

  auto quiet = run_pgtote({"export", "--source", db.conninfo(), "-o", test::temp_path("q.json"), "-q"});
  CHECK(quiet.exit_code == 0);
  CHECK(quiet.err.empty());
}

TEST_CASE("export writes exports/export-<time>.json by default, from DATABASE_URL or .env [db]") {
  test::TestDatabase db;
  db.load_fixture("shapes.sql");
  std::string dir = test::temp_path("project");
  std::filesystem::create_directories(dir);
  std::ofstream(dir + "/.env") << "DATABASE_URL=\"dbname=" << db.name() << "\"\n";
  auto r = run_pgtote({"export", "-q"}, {}, dir);
  REQUIRE(r.exit_code == 0);
  auto files = files_in(dir + "/exports");
  REQUIRE(files.size() == 1);
  CHECK(files[0].rfind("export-", 0) == 0);
  CHECK(files[0].size() == std::string("export-2026-01-01T00-00-00.json").size());
  // DATABASE_URL beats .env: this one names a database that does not exist.
  auto env = run_pgtote({"export", "-q"}, {{"DATABASE_URL", "dbname=no_such_database_here"}}, dir);
  CHECK(env.exit_code == 3);
  CHECK(env.err.find("no_such_database_here") != std::string::npos);
}

TEST_CASE("order marks cycles and self-references, inspect lists tables with counts and keys [db]") {
  test::TestDatabase db;
  db.load_fixture("shapes.sql");
  auto order = run_pgtote({"order", "--source", db.conninfo()});
  REQUIRE(order.exit_code == 0);
  CHECK(count_lines(order.out) == 15);
  CHECK(order.out.find("public.employee  [self-reference]") != std::string::npos);
  CHECK(order.out.find("public.staff  [cycle") != std::string::npos);
  CHECK(order.out.find("public.cycle_b  [cycle") != std::string::npos);
  CHECK(order.out.find("public.account\n") != std::string::npos);

  std::string path = test::temp_path("s.json");
  REQUIRE(run_pgtote({"export", "--source", db.conninfo(), "-o", path, "-q"}).exit_code == 0);
  auto inspect = run_pgtote({"inspect", path});
  REQUIRE(inspect.exit_code == 0);
  CHECK(inspect.out.find("public.staff  rows 3  primary key (id)") != std::string::npos);
  CHECK(inspect.out.find("billing.invoice  rows 2  primary key (region, number)") != std::string::npos);
  CHECK(inspect.out.find("total:     15 tables, 27 rows") != std::string::npos);
  CHECK(run_pgtote({"inspect", test::temp_path("missing.json")}).exit_code == 5);
}

TEST_CASE("an unreachable server is one line naming host and port, exit 3") {
  auto r = run_pgtote(
      {"export", "--source", "host=/nonexistent/socket/dir port=1 dbname=app", "-o", test::temp_path("x.json")});
  CHECK(r.exit_code == 3);
  // The note naming where the connection came from, then the error.
  CHECK(count_lines(r.err) == 2);
  CHECK(r.err.rfind("pgtote: source from --source: host=/nonexistent/socket/dir port=1 dbname=app\n", 0) == 0);
  CHECK(r.err.find("/nonexistent/socket/dir") != std::string::npos);
  CHECK(r.err.find("database app") != std::string::npos);
}

TEST_CASE("the password is never printed: not on success, not on a bad password, not in the snapshot [db]") {
  test::TestDatabase db;
  db.load_fixture("shapes.sql");
  create_password_role(db);
  std::string path = test::temp_path("secret.json"), report = test::temp_path("secret-report.json");
  auto ok = run_pgtote({"export", "--source", socket_uri(db, password), "-o", path, "--report", report});
  REQUIRE(ok.exit_code == 0);
  CHECK(ok.out.find(password) == std::string::npos);
  CHECK(ok.err.find(password) == std::string::npos);
  CHECK(test::read_file(path).find(password) == std::string::npos);
  CHECK(test::read_file(report).find(password) == std::string::npos);

  std::string wrong = "Wr0ng-Passw0rd-xyz";
  auto bad = run_pgtote({"export", "--source", socket_uri(db, wrong), "-o", test::temp_path("bad.json")});
  CHECK(bad.exit_code == 3);
  CHECK(bad.err.find("password authentication failed") != std::string::npos);
  CHECK(bad.err.find(wrong) == std::string::npos);
  auto keyword = run_pgtote({"order", "--source", "dbname=" + db.name() + " user=pgtote_secret password=" + wrong});
  CHECK(keyword.exit_code == 3);
  CHECK(keyword.err.find(wrong) == std::string::npos);
  auto env = run_pgtote({"order"}, {{"DATABASE_URL", socket_uri(db, wrong)}});
  CHECK(env.exit_code == 3);
  CHECK(env.err.find(wrong) == std::string::npos);

  // Import, dry run and diff: the same, and libpq options (sslmode...) pass through.
  db.exec("GRANT INSERT, UPDATE ON ALL TABLES IN SCHEMA public, billing TO pgtote_secret");
  std::string with_options = socket_uri(db, password) + "&sslmode=disable&application_name=pgtote-test";
  for (const auto& args : std::vector<std::vector<std::string>>{
           {"import", path, "--target", with_options, "--dry-run", "--show-diff", "5"},
           {"import", path, "--target", with_options, "--report", report},
           {"diff", path, "--target", with_options},
           {"import", path, "--target", socket_uri(db, wrong)}}) {
    auto r = run_pgtote(args);
    CHECK(r.exit_code != 1);
    CHECK(r.out.find(password) == std::string::npos);
    CHECK(r.err.find(password) == std::string::npos);
    CHECK(r.err.find(wrong) == std::string::npos);
  }
  CHECK(test::read_file(report).find(password) == std::string::npos);
}

TEST_CASE("a failed export leaves no file under the final name and no temporary [db]") {
  test::TestDatabase db;
  db.load_fixture("shapes.sql");
  create_password_role(db);
  db.exec("REVOKE SELECT ON staff FROM pgtote_secret");
  std::string dir = test::temp_path("out");
  std::filesystem::create_directories(dir);
  for (const char* jobs : {"1", "3"}) {
    CAPTURE(jobs);
    auto r = run_pgtote({"export", "--source", socket_uri(db, password), "-o", dir + "/snap.json", "-j", jobs});
    CHECK(r.exit_code == 4);
    CHECK(r.err.find("public.staff") != std::string::npos);
    CHECK(r.err.find("permission denied") != std::string::npos);
    CHECK(files_in(dir).empty());
  }
}

TEST_CASE("SIGTERM during an export removes the temporary file and exits non-zero [db]") {
  test::TestDatabase db;
  db.load_fixture("shapes.sql");
  // Hold a lock so the export blocks on its first table's rows.
  Connection locker = db.connect();
  locker.exec("BEGIN; LOCK TABLE account IN ACCESS EXCLUSIVE MODE");
  std::string dir = test::temp_path("interrupted");
  std::filesystem::create_directories(dir);
  std::string pid_file = dir + "/../pid-" + std::to_string(getpid());
  std::string command = std::string("'") + PGTOTE_BINARY + "' export -q --source 'dbname=" + db.name() + "' -o '" +
                        dir + "/snap.json' 2>/dev/null & echo $! > '" + pid_file + "'";
  REQUIRE(std::system(command.c_str()) == 0);
  pid_t pid = std::stoi(test::read_file(pid_file));
  // Wait until the temporary file exists: the export is under way.
  for (int i = 0; i < 100 && files_in(dir).empty(); ++i) std::this_thread::sleep_for(std::chrono::milliseconds(50));
  REQUIRE(files_in(dir).size() == 1);
  CHECK(files_in(dir)[0].find(".tmp-") != std::string::npos);
  kill(pid, SIGTERM);
  for (int i = 0; i < 100 && kill(pid, 0) == 0; ++i) std::this_thread::sleep_for(std::chrono::milliseconds(50));
  CHECK(kill(pid, 0) != 0);
  CHECK(files_in(dir).empty());
  locker.exec("ROLLBACK");
}

TEST_CASE("import and dry-run from the command line: exit codes, statistics, JSON report [db]") {
  test::TestDatabase source, target;
  source.load_fixture("shapes.sql");
  test::copy_schema(source, target);
  std::string snapshot = test::temp_path("cli.json"), report = test::temp_path("import-report.json");
  REQUIRE(run_pgtote({"export", "--source", source.conninfo(), "-o", snapshot, "-q"}).exit_code == 0);

  auto dry = run_pgtote({"import", snapshot, "--target", target.conninfo(), "--dry-run", "--report", report});
  CHECK(dry.exit_code == 0);
  // The dry run's report is what the user asked for: stdout (so `| less` works); notes stay on stderr.
  CHECK(dry.out.find("would insert") != std::string::npos);
  CHECK(dry.out.find("nothing was written") != std::string::npos);
  CHECK(dry.err.find("would insert") == std::string::npos);
  CHECK(target.query_value("SELECT count(*) FROM account") == "0");
  std::string json = parse_json_value(test::read_file(report)).raw;
  CHECK(
      json.find(
          R"("mode":"dry-run","ok":true,"tables":[{"schema":"billing","name":"invoice","inserted":2,"updated":0,"unchanged":0,"skipped":0,"conflicts":0,"errors":0,"seconds":)") !=
      std::string::npos);
  CHECK(json.find(R"("totals":{"inserted":27,"updated":0,)") != std::string::npos);

  auto real = run_pgtote({"import", snapshot, "--target", target.conninfo(), "--report", report});
  CHECK(real.exit_code == 0);
  CHECK(real.err.find("import committed") != std::string::npos);
  CHECK(parse_json_value(test::read_file(report)).raw.find(R"("mode":"import","ok":true)") != std::string::npos);
  CHECK(target.query_value("SELECT count(*) FROM account") == "2");

  // A conflict: the dry run says the import would fail (exit 7), and so does the import.
  target.exec(
      "ALTER TABLE account ADD UNIQUE (name); UPDATE account SET name = 'two-ish' WHERE id = 2; "
      "INSERT INTO account VALUES (3, 'two')");
  target.exec("UPDATE account SET name = 'two' WHERE id = 3; UPDATE account SET name = 'x' WHERE id = 2");
  auto failing = run_pgtote({"import", snapshot, "--target", target.conninfo(), "--dry-run"});
  CHECK(failing.exit_code == 7);
  CHECK(failing.out.find("the import would fail") != std::string::npos);
  CHECK(failing.out.find("name=two is already held by the target's row id=3") != std::string::npos);
  auto refused = run_pgtote({"import", snapshot, "--target", target.conninfo(), "-q"});
  CHECK(refused.exit_code == 7);
  CHECK(refused.err.find("import stopped, nothing was written") != std::string::npos);
  CHECK(target.query_value("SELECT name FROM account WHERE id = 2") == "x");
  auto skipping = run_pgtote({"import", snapshot, "--target", target.conninfo(), "--skip-conflicts", "-q"});
  CHECK(skipping.exit_code == 0);
}

TEST_CASE("import refuses unreadable snapshots and unknown tables with their own exit codes [db]") {
  test::TestDatabase target;
  CHECK(run_pgtote({"import", test::temp_path("missing.json"), "--target", target.conninfo()}).exit_code == 5);
  std::string garbage = test::temp_path("garbage.json");
  std::ofstream(garbage) << "this is not json";
  auto bad = run_pgtote({"import", garbage, "--target", target.conninfo(), "-q"});
  CHECK(bad.exit_code == 6);
  CHECK(count_lines(bad.err) == 1);

  test::TestDatabase source;
  source.load_fixture("shapes.sql");
  std::string snapshot = test::temp_path("unknown.json");
  REQUIRE(run_pgtote({"export", "--source", source.conninfo(), "-o", snapshot, "-q"}).exit_code == 0);
  auto drift = run_pgtote({"import", snapshot, "--target", target.conninfo()});
  CHECK(drift.exit_code == 8);
  CHECK(drift.err.find("billing.invoice is in the snapshot but not in the target") != std::string::npos);
  CHECK(run_pgtote({"import", snapshot, "--target", target.conninfo(), "--existing", "maybe"}).exit_code == 2);
}

TEST_CASE("an import refuses a host that is not local unless told yes, dry-run is always allowed [db]") {
  test::TestDatabase source, target;
  source.load_fixture("shapes.sql");
  test::copy_schema(source, target);
  std::string snapshot = test::temp_path("remote.json");
  REQUIRE(run_pgtote({"export", "--source", source.conninfo(), "-o", snapshot, "-q"}).exit_code == 0);
  // A name that is not local, reaching the test server over loopback.
  std::string remote = "host=db.pgtote-remote.test hostaddr=127.0.0.1 port=" + std::string(std::getenv("PGPORT")) +
                       " user=postgres dbname=" + target.name();
  auto refused = run_pgtote({"import", snapshot, "--target", remote, "-q"});
  CHECK(refused.exit_code == 2);
  CHECK(refused.err.find("refusing to write to host db.pgtote-remote.test") != std::string::npos);
  CHECK(count_lines(refused.err) == 1);
  CHECK(target.query_value("SELECT count(*) FROM account") == "0");
  CHECK(run_pgtote({"import", snapshot, "--target", remote, "--dry-run", "-q"}).exit_code == 0);
  CHECK(run_pgtote({"import", snapshot, "--target", remote, "-q"}, {{"PGTOTE_ALLOW_REMOTE", "1"}}).exit_code == 0);
  CHECK(target.query_value("SELECT count(*) FROM account") == "2");
  CHECK(run_pgtote({"import", snapshot, "--target", remote, "--yes", "-q"}).exit_code == 0);
}

TEST_CASE("diff tells no drift, drift and error apart [db]") {
  test::TestDatabase source, target;
  source.load_fixture("shapes.sql");
  test::copy_schema(source, target);
  std::string snapshot = test::temp_path("diff.json");
  REQUIRE(run_pgtote({"export", "--source", source.conninfo(), "-o", snapshot, "-q"}).exit_code == 0);
  auto same = run_pgtote({"diff", snapshot, "--target", target.conninfo()});
  CHECK(same.exit_code == 0);
  CHECK(same.out.find("no drift") != std::string::npos);
  target.exec("ALTER TABLE account DROP COLUMN name");
  auto drift = run_pgtote({"diff", "--source", source.conninfo(), "--target", target.conninfo()});
  CHECK(drift.exit_code == 8);
  CHECK(drift.out.find("missing column: column public.account.name (text)") != std::string::npos);
  CHECK(drift.out.find("suggestion: ALTER TABLE \"public\".\"account\" ADD COLUMN \"name\" text;") !=
        std::string::npos);
  CHECK(run_pgtote({"diff", snapshot, "--target", "host=/nonexistent port=1"}).exit_code == 3);
  CHECK(run_pgtote({"diff", "--target", target.conninfo()}).exit_code == 2);
}

namespace {
// Starts an import in the background whose writes to ledger are held by a slow trigger (the
// merge, or the direct COPY of a first import); returns its pid once they are running.
pid_t start_slow_import(const test::TestDatabase& target, const std::string& snapshot, const std::string& log) {
  target.exec(
      "CREATE FUNCTION slow() RETURNS trigger LANGUAGE plpgsql AS $$ BEGIN PERFORM pg_sleep(0.3); RETURN NEW; END $$; "
      "CREATE TRIGGER slow BEFORE INSERT ON ledger FOR EACH ROW EXECUTE FUNCTION slow()");
  std::string pid_file = test::temp_path("import.pid");
  std::string command = std::string("'") + PGTOTE_BINARY + "' import -q '" + snapshot +
                        "' --target 'dbname=" + target.name() + "' 2>'" + log + "' & echo $! > '" + pid_file + "'";
  REQUIRE(std::system(command.c_str()) == 0);
  pid_t pid = std::stoi(test::read_file(pid_file));
  for (int i = 0; i < 800; ++i) {  // up to 20 s: the sanitizer build on a loaded machine is slow
    if (target.query_value("SELECT count(*) FROM pg_stat_activity WHERE datname = current_database() "
                           "AND state = 'active' AND (query LIKE 'WITH%' OR query LIKE 'INSERT INTO %ledger%' OR "
                           "query LIKE 'UPDATE %ledger%' OR query LIKE 'COPY %ledger%')") != "0")
      return pid;
    std::this_thread::sleep_for(std::chrono::milliseconds(25));
  }
  FAIL("the import's merge never started");
  return pid;
}

void wait_for_exit(pid_t pid) {
  for (int i = 0; i < 200 && kill(pid, 0) == 0; ++i) std::this_thread::sleep_for(std::chrono::milliseconds(25));
}

// The server notices a dead client when the statement ends; wait until nothing runs.
void wait_until_idle(const test::TestDatabase& db) {
  for (int i = 0; i < 200; ++i) {
    if (db.query_value(
            "SELECT count(*) FROM pg_stat_activity WHERE datname = current_database() AND pid <> pg_backend_pid()") ==
        "0")
      return;
    std::this_thread::sleep_for(std::chrono::milliseconds(25));
  }
}
}  // namespace

TEST_CASE("an import killed mid-merge (SIGKILL) or stopped (SIGTERM) leaves the target unchanged [db]") {
  test::TestDatabase source, target;
  source.load_fixture("shapes.sql");
  test::copy_schema(source, target);
  std::string snapshot = test::temp_path("killed.json");
  REQUIRE(run_pgtote({"export", "--source", source.conninfo(), "-o", snapshot, "-q"}).exit_code == 0);
  auto before = test::table_digests(target);

  std::string log = test::temp_path("killed.log");
  pid_t pid = start_slow_import(target, snapshot, log);
  kill(pid, SIGKILL);
  wait_for_exit(pid);
  wait_until_idle(target);
  CHECK(test::table_digests(target) == before);

  target.exec("DROP TRIGGER slow ON ledger; DROP FUNCTION slow()");
  pid = start_slow_import(target, snapshot, log);
  kill(pid, SIGTERM);
  wait_for_exit(pid);
  wait_until_idle(target);
  CHECK(test::read_file(log).find("interrupted; nothing was kept") != std::string::npos);
  CHECK(test::table_digests(target) == before);

  // The connection lost mid-merge: the server ends the session, pgtote says so and exits.
  target.exec("DROP TRIGGER slow ON ledger; DROP FUNCTION slow()");
  pid = start_slow_import(target, snapshot, log);
  target.exec(
      "SELECT pg_terminate_backend(pid) FROM pg_stat_activity WHERE datname = current_database() "
      "AND (query LIKE 'WITH%' OR query LIKE 'INSERT INTO %ledger%' OR query LIKE 'UPDATE %ledger%' OR "
      "query LIKE 'COPY %ledger%') AND pid <> pg_backend_pid()");
  wait_for_exit(pid);
  wait_until_idle(target);
  CHECK(test::read_file(log).find("pgtote: error:") != std::string::npos);
  CHECK(test::table_digests(target) == before);
}

TEST_CASE("each drift kind is named in the dry-run output, and blocking drift stops the import [db]") {
  test::TestDatabase source, target;
  source.load_fixture("shapes.sql");
  test::copy_schema(source, target);
  target.exec(
      "DROP TABLE \"Ünïcödé 表\"; "                                 // missing table
      "ALTER TABLE account DROP COLUMN name; "                      // missing column
      "ALTER TABLE wallet ADD COLUMN label text NOT NULL; "         // required column
      "ALTER TABLE employee ALTER COLUMN manager_id TYPE bigint; "  // type differs
      "ALTER TABLE profile ADD UNIQUE (account_id); "               // key differs
      "CREATE TABLE region (code text PRIMARY KEY); "
      "ALTER TABLE staff ADD COLUMN region text REFERENCES region");  // parent outside
  std::string snapshot = test::temp_path("drift.json");
  REQUIRE(run_pgtote({"export", "--source", source.conninfo(), "-o", snapshot, "-q"}).exit_code == 0);
  auto before = test::table_digests(target);
  auto dry = run_pgtote({"import", snapshot, "--target", target.conninfo(), "--dry-run"});
  CHECK(dry.exit_code == 8);
  for (const char* said :
       {"[blocks] missing table: table public.Ünïcödé 表", "[blocks] missing column: column public.account.name (text)",
        "[blocks] required column: column public.wallet.label",
        "type differs: column public.employee.manager_id is integer in the snapshot, bigint in the target: values "
        "convert",
        "key differs: unique keys of public.profile differ",
        "parent outside the snapshot: foreign key staff_region_fkey of public.staff references public.region"}) {
    CAPTURE(said);
    CHECK(dry.out.find(said) != std::string::npos);
  }
  auto real = run_pgtote({"import", snapshot, "--target", target.conninfo()});
  CHECK(real.exit_code == 8);
  CHECK(real.err.find("import stopped, nothing was written") != std::string::npos);
  CHECK(test::table_digests(target) == before);
}

TEST_CASE("--continue-on-error lands thousands of rows and writes exactly the rejected ones to the reject file [db]") {
  test::TestDatabase source, target;
  source.exec(
      "CREATE TABLE parent (id int PRIMARY KEY, name text NOT NULL); "
      "CREATE TABLE child (id int PRIMARY KEY, parent_id int NOT NULL REFERENCES parent, qty int NOT NULL); "
      "INSERT INTO parent SELECT i, 'p' || i FROM generate_series(1, 3000) i; "
      "INSERT INTO child SELECT i, 1 + i % 3000, i FROM generate_series(1, 5000) i");
  test::copy_schema(source, target);
  // The target is stricter: a few rows break its rules.
  target.exec("ALTER TABLE parent ADD CHECK (name <> 'p1234'); ALTER TABLE child ADD CHECK (qty % 1000 <> 7)");
  std::string snapshot = test::temp_path("coe.json"), report = test::temp_path("coe-report.json");
  REQUIRE(run_pgtote({"export", "--source", source.conninfo(), "-o", snapshot, "-q"}).exit_code == 0);

  auto plain = run_pgtote({"import", snapshot, "--target", target.conninfo(), "-q"});
  CHECK(plain.exit_code != 0);
  CHECK(target.query_value("SELECT count(*) FROM parent") == "0");

  auto r = run_pgtote({"import", snapshot, "--target", target.conninfo(), "--continue-on-error", "--report", report});
  CHECK(r.exit_code == 7);
  // Rejected: parent 1234, children 7, 1007, ..., 4007 (5), and children 1233 and 4233, whose parent was rejected.
  CHECK(target.query_value("SELECT count(*) FROM parent") == "2999");
  CHECK(target.query_value("SELECT count(*) FROM child") == "4993");
  std::string rejects_path = report.substr(0, report.rfind(".json")) + ".rejects.jsonl";
  std::string rejects = test::read_file(rejects_path);
  CHECK(count_lines(rejects) == 8);
  CHECK(
      rejects.find(
          R"({"table":"public.parent","row":1234,"error":"new row for relation \"parent\" violates check constraint)") !=
      std::string::npos);
  CHECK(rejects.find(R"("values":{"id": 1234, "name": "p1234"}})") != std::string::npos);
  CHECK(rejects.find(R"("table":"public.child","row":4007,)") != std::string::npos);
  CHECK(rejects.find(
            R"("table":"public.child","row":1233,"error":"insert or update on table \"child\" violates foreign key)") !=
        std::string::npos);
  CHECK(r.err.find("8 rows rejected") != std::string::npos);

  // Rerunning the same snapshot is idempotent: nothing new lands, the same rows are refused.
  auto again =
      run_pgtote({"import", snapshot, "--target", target.conninfo(), "--continue-on-error", "--report", report});
  CHECK(again.exit_code == 7);
  std::string json = parse_json_value(test::read_file(report)).raw;
  CHECK(json.find(R"("totals":{"inserted":0,"updated":0,"unchanged":7992,"skipped":0,"conflicts":0,"errors":8,)") !=
        std::string::npos);
  CHECK(count_lines(test::read_file(rejects_path)) == 8);
}
