// Test support: a fresh database per test on the cluster scripts/test.sh starts (PG* variables),
// fixture loading, and running the pgtote binary. A missing server fails the test; none skip.
#pragma once

#include <map>
#include <string>
#include <vector>

#include "pgtote/pg_conn.h"

namespace pgtote {
struct ImportResult;
}  // namespace pgtote

namespace pgtote::test {

class TestDatabase {
 public:
  // Creates pgtote_test_<pid>_<n>; fails the test when the server is unreachable. `server`, a
  // conninfo prefix ("host=/tmp/x port=5433"), picks another server than the PG* variables name.
  explicit TestDatabase(const std::string& server = "");
  ~TestDatabase();
  TestDatabase(const TestDatabase&) = delete;
  TestDatabase& operator=(const TestDatabase&) = delete;

  const std::string& name() const { return name_; }
  const std::string& server() const { return server_; }
  std::string conninfo() const { return (server_.empty() ? "" : server_ + " ") + "dbname=" + name_; }
  int server_version_num() const;  // 150018: tests of newer syntax branch on it
  Connection connect() const { return Connection::open(conninfo()); }
  void exec(const std::string& sql) const;
  // A file in tests/fixtures, then its continuations for newer servers, <stem>.<major>.sql
  // (types.14.sql after types.sql), each up to this server's major and `up_to_major`.
  void load_fixture(const std::string& file, int up_to_major = 1000) const;
  std::string query_value(const std::string& sql) const;

 private:
  std::string name_;
  std::string server_;
};

// The dry run `dry` predicted the import `done` exactly: per table its inserts, updates and
// unchanged rows, and (match rules) per remapped table its matches and fresh ids.
void check_predicted(const ImportResult& dry, const ImportResult& done);

// A login role unique to a test (roles are cluster-wide), with `attributes` ("BYPASSRLS") and a
// password; dropped with what it owns in `db` afterwards. Declare it after the TestDatabase, so
// it goes first.
class TestRole {
 public:
  TestRole(const TestDatabase& db, const std::string& prefix, const std::string& attributes = "");
  ~TestRole();
  TestRole(const TestRole&) = delete;
  TestRole& operator=(const TestRole&) = delete;

  const std::string& name() const { return name_; }
  static const char* password() { return "Te5t-r0le-pw"; }
  std::string conninfo() const { return db_.conninfo() + " user=" + name_ + " password=" + password(); }

 private:
  const TestDatabase& db_;
  std::string name_;
};

// True when `db`'s server is `major` or newer. Otherwise the test says so, naming the feature
// ("not on PostgreSQL 12: NULLS NOT DISTINCT needs PostgreSQL 15"), as a doctest message and a line in
// $PGTOTE_NOT_ON_THIS_VERSION (scripts/test.sh prints them), and the caller leaves out what needs it.
bool server_has(const TestDatabase& db, int major, const std::string& feature);

struct RunResult {
  int exit_code = -1;
  std::string out;
  std::string err;
};

// Runs build/pgtote with `args` (each shell-quoted) and extra environment assignments; a run
// still going after 10 minutes is killed (exit code 124).
// `cwd`, when given, is the folder it runs in.
RunResult run_pgtote(const std::vector<std::string>& args, const std::map<std::string, std::string>& env = {},
                     const std::string& cwd = "");

std::string read_file(const std::string& path);
std::string temp_path(const std::string& name);  // a fresh path in a per-process temp folder
bool file_exists(const std::string& path);

}  // namespace pgtote::test

namespace pgtote::test {
// Copies `from`'s schema (no rows, sequences at their start) into `to`, on the same server: `to`
// becomes a copy of `from` (CREATE DATABASE ... TEMPLATE), then empty_database(to). Works on every
// server version (pg_dump refuses servers newer than itself).
void copy_schema(const TestDatabase& from, const TestDatabase& to);
// Empties every user table (TRUNCATE ... CASCADE) and restarts every user sequence, as a
// schema-only copy has them.
void empty_database(const TestDatabase& db);
// A digest of every row of every user table, per table, for comparing two databases.
std::map<std::string, std::string> table_digests(const TestDatabase& db);
}  // namespace pgtote::test

namespace pgtote::test {
// Exports `db` to `path` through the library, quietly, with default table selection
// (--include-migration-tables when asked).
void export_database(const TestDatabase& db, const std::string& path, bool include_migration_tables = false);
}  // namespace pgtote::test
