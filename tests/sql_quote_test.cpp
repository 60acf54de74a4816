// Identifier quoting, and that quoted names survive a round trip through the server.
#include "pgtote/sql_quote.h"

#include <doctest/doctest.h>

#include "test_db.h"

using namespace pgtote;

TEST_CASE("quote_ident doubles embedded quotes and keeps everything else") {
  CHECK(quote_ident("plain") == "\"plain\"");
  CHECK(quote_ident("Mixed Case") == "\"Mixed Case\"");
  CHECK(quote_ident("say \"hi\"") == "\"say \"\"hi\"\"\"");
  CHECK(quote_ident("Ünïcödé 表") == "\"Ünïcödé 表\"");
  CHECK(quote_ident("x\"; DROP TABLE t; --") == "\"x\"\"; DROP TABLE t; --\"");
  CHECK(quote_qualified("my schema", "User") == "\"my schema\".\"User\"");
  CHECK(quote_ident_list({"a", "B c"}) == "\"a\", \"B c\"");
}

TEST_CASE("quoted identifiers name exactly the table they were made from [db]") {
  test::TestDatabase db;
  for (std::string name : {"Mixed Case", "say \"hi\"", "Ünïcödé 表", "x\"; DROP TABLE t; --"}) {
    db.exec("CREATE TABLE " + quote_ident(name) + " (" + quote_ident(name + " col") + " int)");
    Connection c = db.connect();
    Result r = c.exec("SELECT relname FROM pg_class WHERE relname = $1", {name});
    CHECK(r.rows() == 1);
  }
}
