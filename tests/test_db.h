// Test support: a fresh database per test on the cluster scripts/test.sh starts (PG* variables),
// fixture loading, and running the pgtote binary. A missing server fails the test; none skip.
#pragma once

#include <map>
#include <string>
#include <vector>

#include "pgtote/pg_conn.h"

namespace pgtote::test {

class TestDatabase {
 public:
  TestDatabase();  // creates pgtote_test_<pid>_<n>; fails the test when the server is unreachable
  ~TestDatabase();
  TestDatabase(const TestDatabase&) = delete;
  TestDatabase& operator=(const TestDatabase&) = delete;

  const std::string& name() const { return name_; }
  std::string conninfo() const { return "dbname=" + name_; }
  Connection connect() const { return Connection::open(conninfo()); }
  void exec(const std::string& sql) const;
  void load_fixture(const std::string& file) const;  // a file in tests/fixtures
  std::string query_value(const std::string& sql) const;

 private:
  std::string name_;
};

struct RunResult {
  int exit_code = -1;
  std::string out;
  std::string err;
};

// Runs build/pgtote with `args` (each shell-quoted) and extra environment assignments.
// `cwd`, when given, is the folder it runs in.
RunResult run_pgtote(const std::vector<std::string>& args, const std::map<std::string, std::string>& env = {},
                     const std::string& cwd = "");

std::string read_file(const std::string& path);
std::string temp_path(const std::string& name);  // a fresh path in a per-process temp folder
bool file_exists(const std::string& path);

}  // namespace pgtote::test

namespace pgtote::test {
// Copies `from`'s schema (no rows) into `to` with pg_dump -s | psql.
void copy_schema(const TestDatabase& from, const TestDatabase& to);
// A digest of every row of every user table, per table, for comparing two databases.
std::map<std::string, std::string> table_digests(const TestDatabase& db);
}  // namespace pgtote::test

namespace pgtote::test {
// Exports `db` to `path` through the library, quietly, with default table selection
// (--include-migration-tables when asked).
void export_database(const TestDatabase& db, const std::string& path, bool include_migration_tables = false);
}  // namespace pgtote::test
