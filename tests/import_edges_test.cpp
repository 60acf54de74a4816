// Edges found by trying to break the import: a cycle's good row is never blamed for its
// namesake in another table, identity columns, triggers that drop rows, narrower domains,
// generated target columns, sequences drawn by rolled-back writes, a user table named like a
// stage. Each checks that the dry run and the import agree and say what happened.
#include <doctest/doctest.h>

#include "test_db.h"

using namespace pgtote;

namespace {

struct Pair {
  test::TestDatabase source, target;
  std::string path = test::temp_path("edge.json");
  Pair(const std::string& both, const std::string& source_only, const std::string& target_only) {
    source.exec(both + source_only);
    target.exec(both + target_only);
    REQUIRE(test::run_pgtote({"export", "--source", source.conninfo(), "-o", path, "-q"}).exit_code == 0);
  }
  test::RunResult import(std::vector<std::string> extra = {}) const {
    std::vector<std::string> args{"import", path, "--target", target.conninfo()};
    args.insert(args.end(), extra.begin(), extra.end());
    return test::run_pgtote(args);
  }
  std::string rows(const std::string& table) const {
    return target.query_value("SELECT string_agg(t::text, ' ' ORDER BY t::text) FROM " + table + " t");
  }
};

}  // namespace

TEST_CASE("edges: a refused staff row in a cycle never takes the store row of the same number with it [db]") {
  Pair p(
      "CREATE TABLE store (id int PRIMARY KEY, manager_id int, name text);"
      "CREATE TABLE staff (id int PRIMARY KEY, store_id int REFERENCES store, email text);"
      "ALTER TABLE store ADD FOREIGN KEY (manager_id) REFERENCES staff DEFERRABLE INITIALLY DEFERRED;"
      "CREATE UNIQUE INDEX ON staff (lower(email));",
      "BEGIN; INSERT INTO store VALUES (1,1,'s1'),(2,1,'s2'),(3,3,'s3');"
      "INSERT INTO staff VALUES (1,1,'a'),(2,1,'B'),(3,3,'c'); COMMIT;",
      "INSERT INTO staff VALUES (100, NULL, 'b');");
  auto dry = p.import({"--skip-conflicts", "--dry-run"});
  auto real = p.import({"--skip-conflicts"});
  CHECK(dry.exit_code == 0);
  CHECK(real.exit_code == 0);
  CHECK(p.rows("store") == "(1,1,s1) (2,1,s2) (3,3,s3)");
  CHECK(p.rows("staff") == "(1,1,a) (100,,b) (3,3,c)");
  CHECK(real.err.find("public.staff: 1 conflict") != std::string::npos);
  CHECK(real.err.find("public.store: 1 conflict") == std::string::npos);
}

TEST_CASE("edges: a GENERATED ALWAYS identity outside the key is not reported as updated on every import [db]") {
  Pair p("CREATE TABLE g (uid text PRIMARY KEY, seq int GENERATED ALWAYS AS IDENTITY, v text);",
         "INSERT INTO g (uid, v) VALUES ('a','1'),('b','2');", "INSERT INTO g (uid, v) VALUES ('b','2'),('a','1');");
  auto first = p.import({"--report", test::temp_path("g1.json")});
  CHECK(first.exit_code == 0);
  auto updates = p.target.query_value("SELECT n_tup_upd FROM pg_stat_user_tables WHERE relname = 'g'");
  auto second = p.import();
  CHECK(second.exit_code == 0);
  CHECK(second.err.find("0          0          2") != std::string::npos);  // inserted, updated, unchanged
  CHECK(p.target.query_value("SELECT n_tup_upd FROM pg_stat_user_tables WHERE relname = 'g'") == updates);
}

TEST_CASE("edges: rows a target trigger drops are counted as not written, in the dry run and the import [db]") {
  Pair p("CREATE TABLE a (id int PRIMARY KEY, v text);", "INSERT INTO a VALUES (1,'ok'),(2,'skip'),(3,'skip');",
         "CREATE FUNCTION skip() RETURNS trigger LANGUAGE plpgsql AS $$ BEGIN IF NEW.v = 'skip' THEN RETURN NULL; "
         "END IF; RETURN NEW; END $$;"
         "CREATE TRIGGER s BEFORE INSERT OR UPDATE ON a FOR EACH ROW EXECUTE FUNCTION skip();");
  auto dry = p.import({"--dry-run"});
  auto real = p.import();
  CHECK(dry.exit_code == 0);
  CHECK(real.exit_code == 0);
  for (const auto* said : {&dry.out, &real.err}) {  // a dry run's report is on stdout
    CHECK(said->find("public.a: 2 not written by the target") != std::string::npos);
    CHECK(said->find("trigger(s) and rules: s") != std::string::npos);
  }
  CHECK(p.rows("a") == "(1,ok)");
}

TEST_CASE("edges: a domain or composite defined narrower in the target is a lossy conversion [db]") {
  Pair p("",
         "CREATE DOMAIN amt AS numeric(12,4); CREATE TYPE pair AS (a numeric(10,4), b text);"
         "CREATE TABLE d (id int PRIMARY KEY, x amt, p pair, arr amt[]);"
         "INSERT INTO d VALUES (1, 1.2345, ROW(9.8765, 'abc'), '{1.2345}'), (2, 1.5, ROW(1, 'x'), '{2}');",
         "CREATE DOMAIN amt AS numeric(12,2); CREATE TYPE pair AS (a numeric(10,2), b text);"
         "CREATE TABLE d (id int PRIMARY KEY, x amt, p pair, arr amt[]);");
  auto dry = p.import({"--dry-run"});
  auto real = p.import();
  CHECK(dry.exit_code == 7);
  CHECK(real.exit_code == 7);
  CHECK(real.err.find("row 1 id=1, column x (amt -> amt): 1.2345 -> stored as 1.23") != std::string::npos);
  CHECK(real.err.find("column p (pair -> pair)") != std::string::npos);
  CHECK(real.err.find("column arr (amt[] -> amt[])") != std::string::npos);
  // 1.5000 stored as 1.50 is stored differently too: the same type name cannot read it back.
  CHECK(real.err.find("row 2 id=2, column x (amt -> amt): 1.5000 -> stored as 1.50") != std::string::npos);
  CHECK(p.rows("d") == "<null>");
}

TEST_CASE("edges: a column generated only in the target is named in drift [db]") {
  Pair p("", "CREATE TABLE g (id int PRIMARY KEY, a int, total int); INSERT INTO g VALUES (1, 2, 3);",
         "CREATE TABLE g (id int PRIMARY KEY, a int, total int GENERATED ALWAYS AS (a * 100) STORED);");
  auto diff = test::run_pgtote({"diff", p.path, "--target", p.target.conninfo()});
  CHECK(diff.exit_code == 8);
  CHECK((diff.out + diff.err).find("public.g.total is generated in the target") != std::string::npos);
}

TEST_CASE("edges: a sequence that rolled-back writes drew from is named [db]") {
  Pair p("", "CREATE TABLE o (id int PRIMARY KEY, v text); INSERT INTO o VALUES (1,'a'),(2,'bad');",
         "CREATE TABLE o (id int PRIMARY KEY, v text, ext_no bigserial, CHECK (v <> 'bad'));");
  auto dry = p.import({"--dry-run"});
  CHECK(dry.exit_code == 7);
  CHECK(dry.err.find("sequence \"public\".\"o_ext_no_seq\" moved from unused to") != std::string::npos);
  CHECK(dry.err.find("default of public.o.ext_no") != std::string::npos);
}

TEST_CASE("edges: a user table named like a stage is never written by the import [db]") {
  Pair p("CREATE TABLE t (id int PRIMARY KEY, v text);", "INSERT INTO t VALUES (1, 'a'), (2, 'b');",
         "CREATE TABLE pgtote_stage_0 (id int, v text); INSERT INTO t VALUES (1, 'old');");
  p.target.exec("ALTER DATABASE " + p.target.name() + " SET search_path = public, pg_temp");
  auto real = p.import();
  CHECK(real.exit_code == 0);
  CHECK(p.rows("t") == "(1,a) (2,b)");
  CHECK(p.target.query_value("SELECT count(*) FROM pgtote_stage_0") == "0");
}

TEST_CASE("edges: a dry run with --continue-on-error lists the rows it would set aside and writes no file [db]") {
  Pair p("", "CREATE TABLE c (id int PRIMARY KEY, n int); INSERT INTO c VALUES (1, 1), (2, -1);",
         "CREATE TABLE c (id int PRIMARY KEY, n int CHECK (n > 0));");
  std::string report = test::temp_path("coe-report.json");
  auto dry = p.import({"--dry-run", "--continue-on-error", "--report", report});
  CHECK(dry.exit_code == 7);
  CHECK(dry.out.find("the import would set 1 rows aside") != std::string::npos);
  CHECK_FALSE(test::file_exists(test::temp_path("coe-report.rejects.jsonl")));
  auto real = p.import({"--continue-on-error", "--report", report});
  CHECK(real.exit_code == 7);
  CHECK(p.rows("c") == "(1,1)");
}
