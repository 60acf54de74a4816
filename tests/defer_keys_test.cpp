// A first import drops the foreign keys of empty tables and re-creates them after the rows: the
// target's constraints, indexes and comments must come back exactly, a missing parent must still
// be named by row, and a failure or an interruption must leave every key in place.
#include <doctest/doctest.h>
#include <signal.h>
#include <sys/wait.h>
#include <unistd.h>

#include <chrono>
#include <string>
#include <thread>

#include "test_db.h"

using namespace pgtote;
using test::run_pgtote;

namespace {

bool has(const std::string& text, const std::string& part) { return text.find(part) != std::string::npos; }

// Every constraint and index of the user schemas, with its definition, validity and comment:
// what must read the same before and after an import.
std::string definitions(const test::TestDatabase& db) {
  return db.query_value(R"SQL(
SELECT string_agg(line, E'\n' ORDER BY line COLLATE "C") FROM (
  SELECT format('%s %s %s valid=%s deferrable=%s/%s comment=%s', con.conrelid::regclass, con.conname,
                pg_get_constraintdef(con.oid), con.convalidated, con.condeferrable, con.condeferred,
                coalesce(obj_description(con.oid, 'pg_constraint'), '-')) AS line
  FROM pg_constraint con JOIN pg_namespace n ON n.oid = con.connamespace
  WHERE n.nspname NOT IN ('pg_catalog', 'information_schema')
  UNION ALL
  SELECT format('%s %s', indexdef, coalesce(obj_description(format('%I.%I', schemaname, indexname)::regclass, 'pg_class'), '-'))
  FROM pg_indexes WHERE schemaname NOT IN ('pg_catalog', 'information_schema')) d
)SQL");
}

// The oids of the foreign keys: they change when a key is dropped and re-created.
std::string foreign_key_oids(const test::TestDatabase& db) {
  return db.query_value("SELECT string_agg(oid::text, ',' ORDER BY oid) FROM pg_constraint WHERE contype = 'f'");
}

// Parents, a child with every kind of key (a name needing quotes, ON DELETE/UPDATE actions, MATCH
// FULL, deferrable, self-reference, NOT VALID, comments), and an index on a key column.
const char* schema_sql = R"SQL(
CREATE SCHEMA "Sales Dept";
CREATE TABLE parent (id int PRIMARY KEY, code text UNIQUE, region text, UNIQUE (code, region));
CREATE TABLE "Sales Dept"."Child ""x""" (id int PRIMARY KEY, parent_id int, code text, region text,
                                          up int, other int, note text);
ALTER TABLE "Sales Dept"."Child ""x"""
  ADD CONSTRAINT "to parent" FOREIGN KEY (parent_id) REFERENCES parent (id) ON DELETE CASCADE ON UPDATE SET NULL,
  ADD CONSTRAINT child_code FOREIGN KEY (code, region) REFERENCES parent (code, region)
    MATCH FULL DEFERRABLE INITIALLY DEFERRED,
  ADD CONSTRAINT child_up FOREIGN KEY (up) REFERENCES "Sales Dept"."Child ""x""" (id) DEFERRABLE;
ALTER TABLE "Sales Dept"."Child ""x""" ADD CONSTRAINT child_other FOREIGN KEY (other) REFERENCES parent (id) NOT VALID;
COMMENT ON CONSTRAINT "to parent" ON "Sales Dept"."Child ""x""" IS 'the parent''s row, é';
COMMENT ON CONSTRAINT child_other ON "Sales Dept"."Child ""x""" IS 'kept NOT VALID';
CREATE INDEX child_parent ON "Sales Dept"."Child ""x""" (parent_id);
COMMENT ON INDEX "Sales Dept".child_parent IS 'by parent';
)SQL";

const char* rows_sql = R"SQL(
INSERT INTO parent VALUES (1, 'a', 'eu'), (2, 'b', 'us');
INSERT INTO "Sales Dept"."Child ""x""" VALUES (10, 1, 'a', 'eu', NULL, 2, 'first'), (11, 2, NULL, NULL, 10, NULL, 'second'),
                                              (12, NULL, 'b', 'us', 11, 1, 'third');
)SQL";

// A role of its own (roles are cluster-wide), dropped with what it owns afterwards.
class Role {
 public:
  explicit Role(const test::TestDatabase& db) : db_(db) {
    static int counter = 0;
    name_ = "pgtote_defer_" + std::to_string(getpid()) + "_" + std::to_string(++counter);
    db.exec("CREATE ROLE " + name_ + " LOGIN PASSWORD 'Defer-pw'");
  }
  ~Role() {
    try {
      db_.exec("DROP OWNED BY " + name_);
      Connection::open(db_.server() + " dbname=postgres").exec("DROP ROLE IF EXISTS " + name_);
    } catch (...) {
    }
  }
  Role(const Role&) = delete;
  Role& operator=(const Role&) = delete;
  const std::string& name() const { return name_; }
  std::string conninfo() const { return db_.conninfo() + " user=" + name_ + " password=Defer-pw"; }

 private:
  const test::TestDatabase& db_;
  std::string name_;
};

// A source with rows and a target with the same schema and no rows.
struct FirstImport {
  test::TestDatabase source, target;
  std::string snapshot = test::temp_path("defer.json");
  explicit FirstImport(const std::string& extra_source = "", const std::string& extra_target = "") {
    source.exec(schema_sql);
    source.exec(rows_sql);
    if (!extra_source.empty()) source.exec(extra_source);
    test::copy_schema(source, target);
    if (!extra_target.empty()) target.exec(extra_target);
    auto r = run_pgtote({"export", "--source", source.conninfo(), "-o", snapshot, "-q"});
    REQUIRE_MESSAGE(r.exit_code == 0, r.err);
  }
};

}  // namespace

TEST_CASE("a first import re-creates the deferred keys exactly: definitions, validity, comments, indexes [db]") {
  FirstImport f;
  std::string before = definitions(f.target), oids = foreign_key_oids(f.target);
  REQUIRE(has(before, "child_other FOREIGN KEY (other) REFERENCES parent(id) NOT VALID valid=f"));

  auto dry = run_pgtote({"import", f.snapshot, "--target", f.target.conninfo(), "--dry-run"});
  CHECK_MESSAGE(dry.exit_code == 0, dry.err);
  CHECK(has(dry.err, "foreign keys deferred until the rows are in"));
  CHECK(foreign_key_oids(f.target) == oids);  // rolled back: the very same keys

  auto r = run_pgtote({"import", f.snapshot, "--target", f.target.conninfo()});
  CHECK_MESSAGE(r.exit_code == 0, r.err);
  // Said once, naming the tables and the locks, even though the import may have started over.
  CHECK(has(r.err, "pgtote: foreign keys deferred until the rows are in, on the empty tables Sales Dept.Child \"x\""));
  CHECK(has(r.err, "ACCESS EXCLUSIVE"));
  CHECK(r.err.find("foreign keys deferred") == r.err.rfind("foreign keys deferred"));
  CHECK(foreign_key_oids(f.target) != oids);  // they were dropped and re-created
  CHECK(definitions(f.target) == before);
  CHECK(test::table_digests(f.target) == test::table_digests(f.source));

  // A second import finds rows in the tables: nothing is deferred, nothing is written.
  auto again = run_pgtote({"import", f.snapshot, "--target", f.target.conninfo()});
  CHECK_MESSAGE(again.exit_code == 0, again.err);
  CHECK_FALSE(has(again.err, "deferred"));
  CHECK(definitions(f.target) == before);
}

TEST_CASE("a missing parent in an empty target is named by row, deferred or not, and the keys stay [db]") {
  // The source lacks the key the target has, so it holds a row whose parent nobody has.
  FirstImport f(
      "ALTER TABLE \"Sales Dept\".\"Child \"\"x\"\"\" DROP CONSTRAINT \"to parent\"; "
      "INSERT INTO \"Sales Dept\".\"Child \"\"x\"\"\" (id, parent_id) VALUES (13, 999);",
      "ALTER TABLE \"Sales Dept\".\"Child \"\"x\"\"\" ADD CONSTRAINT \"to parent\" FOREIGN KEY (parent_id) "
      "REFERENCES parent (id) ON DELETE CASCADE ON UPDATE SET NULL;"
      "COMMENT ON CONSTRAINT \"to parent\" ON \"Sales Dept\".\"Child \"\"x\"\"\" IS 'back';");
  std::string before = definitions(f.target);
  std::string named = "row 4: parent_id=999 has no row in public.parent";
  for (std::vector<std::string> extra : {std::vector<std::string>{}, {"--dry-run"}, {"--no-defer-keys"}}) {
    std::vector<std::string> args{"import", f.snapshot, "--target", f.target.conninfo()};
    args.insert(args.end(), extra.begin(), extra.end());
    auto r = run_pgtote(args);
    INFO("flags: " << (extra.empty() ? "none" : extra[0]));
    CHECK(r.exit_code == 7);
    std::string shown = r.err + r.out;  // a dry run's report is on stdout
    CHECK_MESSAGE(has(shown, named), shown);
    CHECK(has(shown, "foreign key to parent"));
    CHECK(definitions(f.target) == before);
    CHECK(f.target.query_value("SELECT count(*) FROM parent") == "0");
  }
}

TEST_CASE("a deferred key the server refuses when re-created rolls everything back, every key in place [db]") {
  // The target's column the snapshot does not fill defaults to a parent nobody has: no check
  // before the writes covers it, so the key's re-creation is what refuses the rows.
  FirstImport f("",
                "ALTER TABLE \"Sales Dept\".\"Child \"\"x\"\"\" ADD COLUMN extra int DEFAULT 42 "
                "CONSTRAINT child_extra REFERENCES parent (id);");
  std::string before = definitions(f.target), oids = foreign_key_oids(f.target);
  for (std::vector<std::string> extra : {std::vector<std::string>{}, {"--dry-run"}}) {
    std::vector<std::string> args{"import", f.snapshot, "--target", f.target.conninfo()};
    args.insert(args.end(), extra.begin(), extra.end());
    auto r = run_pgtote(args);
    std::string shown = r.err + r.out;  // a dry run's report is on stdout
    INFO("flags: " << (extra.empty() ? "none" : extra[0]) << "\n" << shown);
    CHECK(r.exit_code == 7);
    CHECK(has(shown, "child_extra"));
    CHECK(has(shown, "(extra)=(42)"));
    CHECK(definitions(f.target) == before);
    CHECK(foreign_key_oids(f.target) == oids);
    CHECK(f.target.query_value("SELECT count(*) FROM \"Sales Dept\".\"Child \"\"x\"\"\"") == "0");
  }
}

TEST_CASE("an import interrupted after its keys were dropped leaves every key in place [db]") {
  // Two children: the import drops the first's keys and copies its rows, then waits for a lock
  // on the second, held by another session; it is interrupted there.
  FirstImport f(
      "CREATE TABLE zz_second (id int PRIMARY KEY, child_id int REFERENCES \"Sales Dept\".\"Child \"\"x\"\"\" (id));"
      "INSERT INTO zz_second VALUES (1, 10);");
  std::string before = definitions(f.target), oids = foreign_key_oids(f.target);
  Connection blocker = f.target.connect();
  blocker.exec("BEGIN");
  blocker.exec("LOCK TABLE zz_second IN ACCESS SHARE MODE");

  pid_t child = fork();
  REQUIRE(child >= 0);
  if (child == 0) {
    if (!freopen("/dev/null", "w", stdout) || !freopen("/dev/null", "w", stderr)) _exit(126);
    std::string target = f.target.conninfo();
    execl(PGTOTE_BINARY, "pgtote", "import", f.snapshot.c_str(), "--target", target.c_str(), "-q",
          static_cast<char*>(nullptr));
    _exit(127);
  }
  // Wait until the import waits for the second table's lock: the first table's keys are gone.
  std::string waiting = "SELECT count(*) FROM pg_locks WHERE NOT granted AND relation = 'zz_second'::regclass";
  Connection watcher = f.target.connect();
  bool blocked = false;
  for (int i = 0; i < 300 && !blocked; ++i) {
    blocked = watcher.exec(waiting).number(0, 0) > 0;
    if (!blocked) std::this_thread::sleep_for(std::chrono::milliseconds(100));
  }
  CHECK(blocked);
  std::string backend = watcher
                            .exec(
                                "SELECT pid FROM pg_locks WHERE NOT granted AND relation = "
                                "'zz_second'::regclass LIMIT 1")
                            .text(0, 0);
  kill(child, SIGINT);
  int status = 0;
  waitpid(child, &status, 0);
  CHECK(WIFEXITED(status));
  CHECK(WEXITSTATUS(status) == 130);
  blocker.exec("ROLLBACK");
  // The server notices the lost client once the lock comes, and rolls back.
  bool gone = false;
  for (int i = 0; i < 300 && !gone; ++i) {
    gone = watcher.exec("SELECT count(*) FROM pg_stat_activity WHERE pid = " + backend).number(0, 0) == 0;
    if (!gone) std::this_thread::sleep_for(std::chrono::milliseconds(100));
  }
  CHECK(gone);
  CHECK(definitions(f.target) == before);
  CHECK(foreign_key_oids(f.target) == oids);
  CHECK(f.target.query_value("SELECT count(*) FROM \"Sales Dept\".\"Child \"\"x\"\"\"") == "0");
}

TEST_CASE("tables this role does not own keep their keys with a note, and --no-defer-keys keeps every key [db]") {
  FirstImport f;
  std::string before = definitions(f.target), oids = foreign_key_oids(f.target);
  Role role(f.target);
  f.target.exec("GRANT USAGE ON SCHEMA \"Sales Dept\" TO " + role.name() +
                "; GRANT SELECT, INSERT, UPDATE ON ALL TABLES IN SCHEMA public, \"Sales Dept\" TO " + role.name());
  auto r = run_pgtote({"import", f.snapshot, "--target", role.conninfo()});
  CHECK_MESSAGE(r.exit_code == 0, r.err);
  CHECK(has(r.err, "foreign keys checked row by row on Sales Dept.Child \"x\": this role does not own"));
  CHECK_FALSE(has(r.err, "foreign keys deferred"));
  CHECK(foreign_key_oids(f.target) == oids);
  CHECK(test::table_digests(f.target) == test::table_digests(f.source));

  f.target.exec("TRUNCATE parent, \"Sales Dept\".\"Child \"\"x\"\"\"");
  auto kept = run_pgtote({"import", f.snapshot, "--target", f.target.conninfo(), "--no-defer-keys"});
  CHECK_MESSAGE(kept.exit_code == 0, kept.err);
  CHECK_FALSE(has(kept.err, "deferred"));
  CHECK(foreign_key_oids(f.target) == oids);
  CHECK(definitions(f.target) == before);
  CHECK(test::table_digests(f.target) == test::table_digests(f.source));
}

TEST_CASE("every fixture shape comes back with identical keys: cycles, partitions, schemas, PostgreSQL 18 keys [db]") {
  test::TestDatabase source, target;
  source.load_fixture("shapes.sql");
  source.load_fixture("kinds.sql");
  source.load_fixture("types.sql");
  if (test::server_has(source, 18, "temporal and NOT ENFORCED foreign keys")) source.load_fixture("postgres18.sql");
  test::copy_schema(source, target);
  std::string path = test::temp_path("shapes.json");
  test::export_database(source, path, true);
  std::string before = definitions(target), oids = foreign_key_oids(target);
  auto r = run_pgtote({"import", path, "--target", target.conninfo()});
  CHECK_MESSAGE(r.exit_code == 0, r.err);
  CHECK(has(r.err, "foreign keys deferred"));
  CHECK(foreign_key_oids(target) != oids);
  CHECK(definitions(target) == before);
  CHECK(test::table_digests(target) == test::table_digests(source));
}

TEST_CASE("a parent that forces row level security is never locked: the keys to it are checked row by row [db]") {
  // FORCE makes the owner's reads go through the policies too, so a parent with rows could look
  // empty: the keys that reference it stay; the child's key to itself is still deferred.
  FirstImport f("",
                "ALTER TABLE parent ENABLE ROW LEVEL SECURITY; ALTER TABLE parent FORCE ROW LEVEL SECURITY;"
                "CREATE POLICY everyone ON parent USING (true)");
  std::string before = definitions(f.target);
  auto r = run_pgtote({"import", f.snapshot, "--target", f.target.conninfo()});
  CHECK_MESSAGE(r.exit_code == 0, r.err);
  CHECK(has(r.err, "foreign keys deferred until the rows are in, on the empty tables Sales Dept.Child \"x\""));
  CHECK_FALSE_MESSAGE(has(r.err, "they reference (public.parent)"), r.err);
  CHECK(definitions(f.target) == before);
  CHECK(test::table_digests(f.target) == test::table_digests(f.source));
}
