// Values a narrower target column would store differently (rounded numeric scale, timestamp
// precision, real, char trimming) are named by row and column, block the import unless
// --allow-lossy, and drift calls the narrowing by its name first.
#include <doctest/doctest.h>

#include "test_db.h"

using namespace pgtote;

namespace {

constexpr const char* source_schema = R"SQL(
CREATE TABLE price (id int PRIMARY KEY, amount numeric(12,4), at timestamp(6), ratio float8, code text);
INSERT INTO price VALUES
  (1, 10.5000, '2024-01-01 10:00:00', 0.5, 'ab'),
  (2, 10.1234, '2024-01-01 10:00:00.123456', 0.1, 'ab  '),
  (3, NULL, NULL, NULL, NULL);
)SQL";

constexpr const char* target_schema = R"SQL(
CREATE TABLE price (id int PRIMARY KEY, amount numeric(12,2), at timestamp(0), ratio real, code character(4));
)SQL";

struct Narrowed {
  test::TestDatabase source, target;
  std::string path = test::temp_path("lossy.json");
  Narrowed() {
    source.exec(source_schema);
    target.exec(target_schema);
    test::export_database(source, path);
  }
};

}  // namespace

TEST_CASE("a narrower target column: each value it would change is named, and the import is refused [db]") {
  Narrowed n;
  auto before = test::table_digests(n.target);
  auto dry = test::run_pgtote({"import", n.path, "--target", n.target.conninfo(), "--dry-run", "-q"});
  CHECK(dry.exit_code == 7);
  std::string all = dry.out + dry.err;
  CHECK(all.find("narrower") != std::string::npos);
  CHECK(all.find("row 2 id=2, column amount (numeric(12,4) -> numeric(12,2)): 10.1234 -> stored as 10.1200") !=
        std::string::npos);
  CHECK(all.find("column at (") != std::string::npos);
  CHECK(all.find("column ratio (double precision -> real): 0.1 -> stored as 0.10000000149") != std::string::npos);
  CHECK(all.find("column code (text -> character(4))") != std::string::npos);
  // Row 1 converts without change (10.5000 is 10.50, 'ab' is 'ab  ' as char(4)): not listed.
  CHECK(all.find("row 1 ") == std::string::npos);

  auto real = test::run_pgtote({"import", n.path, "--target", n.target.conninfo(), "-q"});
  CHECK(real.exit_code == 7);
  CHECK(test::table_digests(n.target) == before);

  auto allowed = test::run_pgtote({"import", n.path, "--target", n.target.conninfo(), "--allow-lossy"});
  CHECK(allowed.exit_code == 0);
  CHECK((allowed.out + allowed.err).find("--allow-lossy") != std::string::npos);
  CHECK(n.target.query_value("SELECT amount::text FROM price WHERE id = 2") == "10.12");
  CHECK(n.target.query_value("SELECT count(*) FROM price") == "3");
}

TEST_CASE("a type change that keeps every value is no lossy conversion [db]") {
  test::TestDatabase source, target;
  source.exec(
      "CREATE TABLE t (id int PRIMARY KEY, n integer, s varchar(10), ts timestamptz);"
      "INSERT INTO t VALUES (1, 7, 'abc', '2024-05-01 12:00:00.5+00'), (2, NULL, NULL, NULL)");
  target.exec("CREATE TABLE t (id int PRIMARY KEY, n bigint, s text, ts timestamp(6))");
  std::string path = test::temp_path("widened.json");
  test::export_database(source, path);
  auto real = test::run_pgtote({"import", path, "--target", target.conninfo(), "-q"});
  CHECK(real.exit_code == 0);
  CHECK(target.query_value("SELECT ts::text FROM t WHERE id = 1") == "2024-05-01 12:00:00.5");
  auto again = test::run_pgtote({"import", path, "--target", target.conninfo(), "--dry-run", "-q"});
  CHECK(again.exit_code == 0);
}
