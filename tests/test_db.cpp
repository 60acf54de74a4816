// Test support implementation; see test_db.h.
#include "test_db.h"

#include <doctest/doctest.h>
#include <sys/wait.h>
#include <unistd.h>

#include <algorithm>
#include <cstdlib>
#include <filesystem>
#include <fstream>
#include <sstream>

namespace pgtote::test {

namespace {
std::string shell_quote(const std::string& text) {
  std::string out = "'";
  for (char c : text) {
    if (c == '\'')
      out += "'\\''";
    else
      out += c;
  }
  return out + "'";
}

// One folder per test process, removed when the process ends (ctest runs one process per test).
struct TempDir {
  std::string path;
  TempDir() : path(std::filesystem::temp_directory_path() / ("pgtote-test-" + std::to_string(getpid()))) {
    std::filesystem::create_directories(path);
  }
  ~TempDir() {
    std::error_code ignored;
    std::filesystem::remove_all(path, ignored);
  }
};

std::string temp_dir() {
  static TempDir dir;
  return dir.path;
}

// `server` is a conninfo prefix naming another server ("host=... port=..."); empty: the PG* one.
Connection admin(const std::string& server) {
  REQUIRE_MESSAGE((std::getenv("PGHOST") != nullptr || !server.empty()),
                  "PGHOST is not set: run the tests through scripts/test.sh, which starts PostgreSQL");
  return Connection::open(server + " dbname=postgres");
}

// Drops a test database whoever is still connected. DROP DATABASE ... WITH (FORCE) is 13+; on 12
// the sessions are ended first (DROP DATABASE then waits up to 5 s for them to go).
void drop_database(Connection& connection, const std::string& name) {
  if (connection.server_version_num() >= 130000) {
    connection.exec("DROP DATABASE IF EXISTS " + name + " WITH (FORCE)");
    return;
  }
  connection.exec(
      "SELECT pg_catalog.pg_terminate_backend(pid) FROM pg_catalog.pg_stat_activity "
      "WHERE datname = $1 AND pid <> pg_catalog.pg_backend_pid()",
      {name});
  connection.exec("DROP DATABASE IF EXISTS " + name);
}
}  // namespace

TestDatabase::TestDatabase(const std::string& server) : server_(server) {
  static int counter = 0;
  name_ = "pgtote_test_" + std::to_string(getpid()) + "_" + std::to_string(++counter);
  Connection connection = admin(server_);
  connection.exec("DROP DATABASE IF EXISTS " + name_);
  connection.exec("CREATE DATABASE " + name_);
}

TestDatabase::~TestDatabase() {
  try {
    Connection connection = admin(server_);
    drop_database(connection, name_);
  } catch (...) {
  }
}

int TestDatabase::server_version_num() const { return connect().server_version_num(); }

void TestDatabase::exec(const std::string& sql) const { connect().exec(sql); }

void TestDatabase::load_fixture(const std::string& file, int up_to_major) const {
  namespace fs = std::filesystem;
  fs::path path = fs::path(PGTOTE_FIXTURES) / file;
  REQUIRE_MESSAGE(fs::exists(path), "no fixture " << path.string());
  exec(read_file(path.string()));
  // Its continuations for newer servers: <stem>.<major>.sql, oldest first.
  int major = std::min(server_version_num() / 10000, up_to_major);
  std::map<int, fs::path> parts;
  std::string prefix = path.stem().string() + ".";
  for (const auto& entry : fs::directory_iterator(path.parent_path())) {
    std::string name = entry.path().filename().string();
    if (name.rfind(prefix, 0) != 0 || entry.path().extension() != ".sql") continue;
    std::string middle = name.substr(prefix.size(), name.size() - prefix.size() - 4);
    if (middle.empty() || middle.find_first_not_of("0123456789") != std::string::npos) continue;
    parts[std::stoi(middle)] = entry.path();
  }
  for (const auto& [part_major, part] : parts)
    if (part_major <= major) exec(read_file(part.string()));
}

TestRole::TestRole(const TestDatabase& db, const std::string& prefix, const std::string& attributes) : db_(db) {
  static int counter = 0;
  name_ = prefix + "_" + std::to_string(getpid()) + "_" + std::to_string(++counter);
  db.exec("CREATE ROLE " + name_ + " LOGIN PASSWORD '" + password() + "' " + attributes);
}

TestRole::~TestRole() {
  try {
    db_.exec("DROP OWNED BY " + name_);
    Connection::open((db_.server().empty() ? "" : db_.server() + " ") + "dbname=postgres")
        .exec("DROP ROLE IF EXISTS " + name_);
  } catch (...) {
  }
}

bool server_has(const TestDatabase& db, int major, const std::string& feature) {
  int version = db.server_version_num();
  if (version >= major * 10000) return true;
  std::string note = "not on PostgreSQL " + std::to_string(version / 10000) + ": " + feature + " needs PostgreSQL " +
                     std::to_string(major) + " (" + doctest::getContextOptions()->currentTest->m_name + ")";
  MESSAGE(note);
  // scripts/test.sh lists these after each version's run, so nothing is left out silently.
  if (const char* log = std::getenv("PGTOTE_NOT_ON_THIS_VERSION")) std::ofstream(log, std::ios::app) << note << "\n";
  return false;
}

std::string TestDatabase::query_value(const std::string& sql) const {
  Result r = connect().exec(sql);
  REQUIRE(r.rows() == 1);
  return r.is_null(0, 0) ? "<null>" : r.text(0, 0);
}

std::string read_file(const std::string& path) {
  std::ifstream in(path, std::ios::binary);
  std::stringstream text;
  text << in.rdbuf();
  return text.str();
}

std::string temp_path(const std::string& name) {
  static int counter = 0;
  return temp_dir() + "/" + std::to_string(++counter) + "-" + name;
}

bool file_exists(const std::string& path) { return std::filesystem::exists(path); }

RunResult run_pgtote(const std::vector<std::string>& args, const std::map<std::string, std::string>& env,
                     const std::string& cwd) {
  std::string out_path = temp_path("stdout"), err_path = temp_path("stderr");
  std::string command = cwd.empty() ? "" : "cd " + shell_quote(cwd) + " && ";
  for (const auto& [key, value] : env) command += key + "=" + shell_quote(value) + " ";
  if (!env.count("DATABASE_URL")) command += "env -u DATABASE_URL ";
  command += "timeout -k 10 600 " + shell_quote(PGTOTE_BINARY);  // a hung run fails (124), not the suite
  for (const auto& arg : args) command += " " + shell_quote(arg);
  command += " >" + shell_quote(out_path) + " 2>" + shell_quote(err_path) + " </dev/null";
  int status = std::system(command.c_str());
  RunResult result;
  result.exit_code = WIFEXITED(status) ? WEXITSTATUS(status) : 128 + WTERMSIG(status);
  result.out = read_file(out_path);
  result.err = read_file(err_path);
  return result;
}

}  // namespace pgtote::test

namespace pgtote::test {

// Every server version copies a database whole (CREATE DATABASE ... TEMPLATE), where pg_dump
// refuses servers newer than itself; the copy is then emptied.
void copy_schema(const TestDatabase& from, const TestDatabase& to) {
  REQUIRE(from.server() == to.server());
  Connection connection = admin(from.server());
  drop_database(connection, to.name());
  connection.exec("CREATE DATABASE " + to.name() + " TEMPLATE " + from.name());
  empty_database(to);
}

void empty_database(const TestDatabase& db) {
  Connection c = db.connect();
  // User tables and sequences, not those of extensions (their configuration is the extension's).
  const std::string user_relations = R"SQL(
SELECT pg_catalog.format('%I.%I', n.nspname, c.relname)
FROM pg_catalog.pg_class c JOIN pg_catalog.pg_namespace n ON n.oid = c.relnamespace
WHERE c.relkind = $1 AND c.relpersistence <> 't' AND n.nspname NOT IN ('pg_catalog', 'information_schema')
  AND n.nspname !~ '^pg_toast'
  AND NOT EXISTS (SELECT 1 FROM pg_catalog.pg_depend d WHERE d.classid = 'pg_catalog.pg_class'::pg_catalog.regclass
                  AND d.objid = c.oid AND d.deptype = 'e')
ORDER BY 1
)SQL";
  std::string tables;
  for (const char* kind : {"r", "p"}) {
    Result r = c.exec(user_relations, {std::string(kind)});
    for (int i = 0; i < r.rows(); ++i) tables += (tables.empty() ? "" : ", ") + r.text(i, 0);
  }
  if (!tables.empty()) c.exec("TRUNCATE " + tables + " CASCADE");
  // As a schema-only copy has them: at their start, never called.
  Result sequences = c.exec(user_relations, {std::string("S")});
  for (int i = 0; i < sequences.rows(); ++i) c.exec("ALTER SEQUENCE " + sequences.text(i, 0) + " RESTART");
}

std::map<std::string, std::string> table_digests(const TestDatabase& db) {
  Connection c = db.connect();
  Result tables = c.exec(
      "SELECT format('%I.%I', n.nspname, c.relname), c.relkind = 'p' FROM pg_class c JOIN pg_namespace n ON n.oid = "
      "c.relnamespace "
      "WHERE c.relkind IN ('r', 'p') AND NOT c.relispartition AND c.relpersistence <> 't' AND n.nspname NOT IN "
      "('pg_catalog', "
      "'information_schema') "
      "AND n.nspname !~ '^pg_toast' ORDER BY 1");
  std::map<std::string, std::string> digests;
  for (int i = 0; i < tables.rows(); ++i) {
    std::string from = (tables.boolean(i, 1) ? "" : "ONLY ") + tables.text(i, 0);
    Result r = c.exec(
        "SELECT count(*) || ':' || coalesce(md5(string_agg(t::text, E'\\n' ORDER BY t::text COLLATE \"C\")), '') "
        "FROM " +
        from + " t");
    digests[tables.text(i, 0)] = r.text(0, 0);
  }
  return digests;
}

}  // namespace pgtote::test

#include "pgtote/exporter.h"

namespace pgtote::test {

void export_database(const TestDatabase& db, const std::string& path, bool include_migration_tables) {
  ExportOptions options;
  options.source = {db.conninfo(), "test"};
  options.output = path;
  options.progress = false;
  options.selection.include_migration_tables = include_migration_tables;
  run_export(options, [](const std::string&) {});
}

}  // namespace pgtote::test

#include "pgtote/importer.h"

namespace pgtote::test {

void check_predicted(const ImportResult& dry, const ImportResult& done) {
  REQUIRE(dry.tables.size() == done.tables.size());
  for (size_t i = 0; i < dry.tables.size(); ++i) {
    INFO(dry.tables[i].name);
    CHECK(dry.tables[i].inserted == done.tables[i].inserted);
    CHECK(dry.tables[i].updated == done.tables[i].updated);
    CHECK(dry.tables[i].unchanged == done.tables[i].unchanged);
  }
  REQUIRE(dry.identity.size() == done.identity.size());
  for (size_t i = 0; i < dry.identity.size(); ++i) {
    INFO(dry.identity[i].table);
    CHECK(dry.identity[i].table == done.identity[i].table);
    CHECK(dry.identity[i].by_key == done.identity[i].by_key);
    CHECK(dry.identity[i].by_mapping == done.identity[i].by_mapping);
    CHECK(dry.identity[i].fresh == done.identity[i].fresh);
    CHECK(dry.identity[i].fresh_ids == done.identity[i].fresh_ids);
  }
}

}  // namespace pgtote::test
