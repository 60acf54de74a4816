// pgtote.yml through the binary: precedence (a flag beats the file, the file beats DATABASE_URL),
// ${VAR} from the environment and .env, errors with their line, and `pgtote init` per framework.
#include <doctest/doctest.h>

#include <algorithm>
#include <filesystem>
#include <fstream>

#include "test_db.h"

using namespace pgtote;
using test::run_pgtote;

namespace {
size_t count_lines(const std::string& text) { return static_cast<size_t>(std::count(text.begin(), text.end(), '\n')); }

// A fresh project folder holding `config` as pgtote.yml (and `dotenv` as .env when given).
std::string project(const std::string& config, const std::string& dotenv = "") {
  std::string dir = test::temp_path("config-project");
  std::filesystem::create_directories(dir);
  std::ofstream(dir + "/pgtote.yml") << config;
  if (!dotenv.empty()) std::ofstream(dir + "/.env") << dotenv;
  return dir;
}

const std::string no_database = "dbname=pgtote_no_such_database_here";
}  // namespace

TEST_CASE("pgtote.yml: a flag beats the file, the file beats DATABASE_URL and .env [db]") {
  test::TestDatabase db, other;
  db.load_fixture("shapes.sql");
  other.exec("CREATE TABLE only_in_other (id int PRIMARY KEY)");
  std::string dir = project("source: dbname=" + db.name() + "\n", "DATABASE_URL=" + no_database + "\n");

  // The file beats DATABASE_URL (which names a database that does not exist) and .env.
  auto from_file = run_pgtote({"order"}, {{"DATABASE_URL", no_database}}, dir);
  REQUIRE(from_file.exit_code == 0);
  CHECK(count_lines(from_file.out) == 15);
  // A flag beats the file.
  auto from_flag = run_pgtote({"order", "--source", other.conninfo()}, {{"DATABASE_URL", no_database}}, dir);
  REQUIRE(from_flag.exit_code == 0);
  CHECK(from_flag.out == "public.only_in_other\n");
  // --config FILE names another file; the folder's pgtote.yml is then not read.
  std::ofstream(dir + "/other.yml") << "source: " << other.conninfo() << "\n";
  CHECK(run_pgtote({"order", "--config", "other.yml"}, {}, dir).out == "public.only_in_other\n");

  // Table selection and jobs from the file; a flag's list replaces the file's.
  std::ofstream(dir + "/pgtote.yml") << "source: dbname=" << db.name()
                                     << "\ntables: [\"public.cycle_*\"]\nexclude_tables: [public.cycle_c]\njobs: 2\n";
  auto selected = run_pgtote({"order"}, {}, dir);
  REQUIRE(selected.exit_code == 0);
  CHECK(count_lines(selected.out) == 2);
  auto replaced = run_pgtote({"order", "-t", "public.employee"}, {}, dir);
  CHECK(replaced.out == "public.employee  [self-reference]\n");
  std::string snapshot = test::temp_path("config-export.json");
  auto exported = run_pgtote({"export", "-o", snapshot}, {}, dir);
  REQUIRE(exported.exit_code == 0);
  CHECK(exported.err.find("total (2 tables)") != std::string::npos);

  // The target too: import and diff read it, and --target beats it.
  std::ofstream(dir + "/pgtote.yml") << "target: dbname=" << db.name() << "\n";
  auto dry_run = run_pgtote({"import", snapshot, "--dry-run"}, {{"DATABASE_URL", no_database}}, dir);
  CHECK(dry_run.exit_code == 0);
  // cycle_a's key to cycle_c, a table the snapshot leaves out, is drift (8); reaching the
  // target at all shows the file's target was used.
  auto diff = run_pgtote({"diff", snapshot}, {{"DATABASE_URL", no_database}}, dir);
  CHECK(diff.exit_code == 8);
  CHECK(diff.err == "pgtote: target from pgtote.yml (target): dbname=" + db.name() + "\n");
  auto flag_target = run_pgtote({"diff", snapshot, "--target", no_database}, {}, dir);
  CHECK(flag_target.exit_code == 3);
  CHECK(flag_target.err.find("pgtote_no_such_database_here") != std::string::npos);
  // diff without FILE or --source compares the file's source.
  std::ofstream(dir + "/pgtote.yml") << "source: dbname=" << db.name() << "\ntarget: " << other.conninfo() << "\n";
  CHECK(run_pgtote({"diff"}, {}, dir).exit_code == 8);
}

TEST_CASE("pgtote.yml: variables come from the environment, then .env, and an unset one is named [db]") {
  test::TestDatabase db;
  db.load_fixture("shapes.sql");
  std::string dir = project("source: dbname=${PGTOTE_TEST_DB}\ntables: [\"${PGTOTE_TEST_TABLE:-public.account}\"]\n",
                            "PGTOTE_TEST_DB=" + db.name() + "\n");
  auto from_dotenv = run_pgtote({"order"}, {}, dir);
  REQUIRE(from_dotenv.exit_code == 0);
  CHECK(from_dotenv.out == "public.account\n");
  auto from_environment = run_pgtote({"order"}, {{"PGTOTE_TEST_TABLE", "public.wallet"}}, dir);
  CHECK(from_environment.out == "public.wallet\n");
  auto environment_first = run_pgtote({"order"}, {{"PGTOTE_TEST_DB", "pgtote_no_such_database_here"}}, dir);
  CHECK(environment_first.exit_code == 3);

  std::string unset = project("jobs: 1\nsource: ${PGTOTE_TEST_UNSET}\n");
  auto r = run_pgtote({"order"}, {}, unset);
  CHECK(r.exit_code == 2);
  CHECK(r.err ==
        "pgtote: error: pgtote.yml:2: source: ${PGTOTE_TEST_UNSET} is not set (neither in the environment nor in "
        ".env); set it, or write ${PGTOTE_TEST_UNSET:-default}\n");
}

TEST_CASE("pgtote.yml: every command refuses unknown keys and wrong types with one line, exit 2") {
  std::string dir = project("source: dbname=x\nsubset:\n  start:\n    - table: public.a\n  match: {}\n");
  for (const auto& args : std::vector<std::vector<std::string>>{
           {"export"}, {"import", "x.json"}, {"diff", "x.json"}, {"order"}, {"inspect", "x.json"}}) {
    CAPTURE(args[0]);
    auto r = run_pgtote(args, {}, dir);
    CHECK(r.exit_code == 2);
    CHECK(r.err ==
          "pgtote: error: pgtote.yml:5: unknown key 'subset.match' (subset takes: start, children, parents, "
          "virtual_foreign_keys)\n");
  }
  std::string typed = project("jobs: 0\n");
  CHECK(run_pgtote({"export"}, {}, typed).err ==
        "pgtote: error: pgtote.yml:1: jobs: expected a whole number from 1 to 64\n");
  auto missing = run_pgtote({"order", "--config", "missing.yml"}, {}, typed);
  CHECK(missing.exit_code == 5);
  CHECK(count_lines(missing.err) == 1);
  // --help works whatever the file says.
  CHECK(run_pgtote({"export", "--help"}, {}, dir).exit_code == 0);
}

TEST_CASE("pgtote.yml: a password from the file or .env is never printed [db]") {
  test::TestDatabase db;
  db.load_fixture("shapes.sql");
  const std::string secret = "Fil3-S3cret-pw";
  std::string dir = project("source: postgresql://postgres:${PGTOTE_TEST_PW}@/" + db.name() +
                                "?host=" + std::getenv("PGHOST") + "&port=" + std::getenv("PGPORT") + "\n",
                            "PGTOTE_TEST_PW=" + secret + "\n");
  auto ok = run_pgtote({"export", "-o", test::temp_path("pw.json")}, {}, dir);
  CHECK(ok.exit_code == 0);
  CHECK(ok.err.find(secret) == std::string::npos);
  std::ofstream(dir + "/pgtote.yml")
      << "source: host=/nonexistent/socket/dir port=1 dbname=app password=${PGTOTE_TEST_PW}\n"
      << "jobs: 1\n";
  auto unreachable = run_pgtote({"order"}, {}, dir);
  CHECK(unreachable.exit_code == 3);
  CHECK(unreachable.err.find("/nonexistent/socket/dir") != std::string::npos);
  CHECK(unreachable.err.find(secret) == std::string::npos);
  std::ofstream(dir + "/pgtote.yml") << "source: postgresql://me:${PGTOTE_TEST_PW}@h/d\njobs: many\n";
  auto typed = run_pgtote({"order"}, {}, dir);
  CHECK(typed.exit_code == 2);
  CHECK(typed.err.find(secret) == std::string::npos);
}

TEST_CASE("export --dry-run and import --require-anonymized are flags the commands accept") {
  // Their behaviour belongs to the subset planner and the anonymizer; here: parsed, not refused.
  CHECK(run_pgtote({"export", "--dry-run", "--help"}).exit_code == 0);
  CHECK(run_pgtote({"export", "--help"}).out.find("--dry-run") != std::string::npos);
  CHECK(run_pgtote({"import", "--help"}).out.find("--require-anonymized") != std::string::npos);
  CHECK(run_pgtote({"import", test::temp_path("none.json"), "--require-anonymized"}).exit_code == 5);
}

TEST_CASE("pgtote init writes a starter for the folder's framework, which every command then reads [db]") {
  test::TestDatabase db;
  db.load_fixture("shapes.sql");
  const std::vector<std::pair<std::string, std::string>> layouts = {{"prisma/schema.prisma", "Prisma"},
                                                                    {"drizzle.config.ts", "Drizzle"},
                                                                    {"config/database.yml", "Rails"},
                                                                    {"manage.py", "Django"},
                                                                    {"artisan", "Laravel"},
                                                                    {"", "no framework"}};
  for (const auto& [marker, name] : layouts) {
    CAPTURE(name);
    std::string dir = test::temp_path("init-project");
    std::filesystem::create_directories(dir);
    if (!marker.empty()) {
      std::filesystem::create_directories(std::filesystem::path(dir + "/" + marker).parent_path());
      std::ofstream(dir + "/" + marker) << "\n";
    }
    auto init = run_pgtote({"init"}, {}, dir);
    REQUIRE(init.exit_code == 0);
    CHECK(init.out.empty());
    CHECK(init.err.find("wrote pgtote.yml for " + name) == 0);
    std::string written = test::read_file(dir + "/pgtote.yml");
    CHECK(written.find("for\n# " + name) != std::string::npos);
    // The starter parses: a command run in the folder reads it and goes on.
    auto order = run_pgtote({"order", "--source", db.conninfo()}, {}, dir);
    CHECK(order.exit_code == 0);
    CHECK(count_lines(order.out) == 15);
    // A second init refuses, in one line, and leaves the file alone.
    auto again = run_pgtote({"init"}, {}, dir);
    CHECK(again.exit_code == 2);
    CHECK(again.err ==
          "pgtote: error: pgtote.yml already exists; pgtote init never overwrites it (edit it, or move it away)\n");
    CHECK(test::read_file(dir + "/pgtote.yml") == written);
  }
  std::string dir = test::temp_path("init-flag");
  std::filesystem::create_directories(dir);
  auto chosen = run_pgtote({"init", "--framework", "django", "--config", "staging.yml"}, {}, dir);
  CHECK(chosen.exit_code == 0);
  CHECK(test::read_file(dir + "/staging.yml").find("auth_user") != std::string::npos);
  CHECK(run_pgtote({"init", "--framework", "symfony"}, {}, dir).exit_code == 2);
}
