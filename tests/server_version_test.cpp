// The version check every connection makes before its first query: pure, so tested without a server
// of each old version.
#include <doctest/doctest.h>

#include "pgtote/pg_conn.h"

using pgtote::unsupported_server;

TEST_CASE("servers older than PostgreSQL 12 are refused with their version named") {
  CHECK(unsupported_server(110022) == "pgtote needs PostgreSQL 12 or newer; this server is 11.22");
  CHECK(unsupported_server(110000) == "pgtote needs PostgreSQL 12 or newer; this server is 11.0");
  CHECK(unsupported_server(100023) == "pgtote needs PostgreSQL 12 or newer; this server is 10.23");
  CHECK(unsupported_server(90624) == "pgtote needs PostgreSQL 12 or newer; this server is 9.6.24");
  CHECK(unsupported_server(119999).has_value());
}

TEST_CASE("PostgreSQL 12 and newer pass the version check") {
  for (int version : {120000, 120022, 130023, 140023, 150018, 160014, 170010, 180004, 190000})
    CHECK_FALSE(unsupported_server(version).has_value());
  CHECK_FALSE(unsupported_server(0).has_value());  // unknown: not refused on a guess
}
