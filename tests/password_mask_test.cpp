// Passwords are masked in connection strings and taken out of libpq's messages, malformed URLs included.
#include "pgtote/password_mask.h"

#include <doctest/doctest.h>

using namespace pgtote;

TEST_CASE("passwords are masked in URIs and key=value strings") {
  CHECK(mask_password("postgres://me:s3cr%40t@db:5432/app") == "postgres://me:****@db:5432/app");
  CHECK(mask_password("postgresql://me@db/app?password=s3cret&sslmode=require") ==
        "postgresql://me@db/app?password=****&sslmode=require");
  CHECK(mask_password("host=db password='a b\\'c' user=me") == "host=db password=**** user=me");
  CHECK(mask_password("host=db password=s3cret") == "host=db password=****");
  CHECK(mask_password("postgresql://me@db/app") == "postgresql://me@db/app");
}

TEST_CASE("a malformed URL's password is masked too: '/', '@', bad escapes, unclosed brackets") {
  CHECK(mask_password("postgresql://me:se/cr@t@db/app") == "postgresql://me:****@db/app");
  CHECK(mask_password("postgresql://me:sec%ZZret@db/app") == "postgresql://me:****@db/app");
  CHECK(mask_password("postgresql://me:s3cret@[::1/app") == "postgresql://me:****@[::1/app");
  CHECK(mask_password("host=db password='unterminated") == "host=db password=****");
}

TEST_CASE("the password is taken out of libpq's messages, as written and percent-decoded") {
  std::string url = "postgresql://me:p%40ss-w0rd@[::1/app";
  CHECK(passwords_in(url) == std::vector<std::string>{"p%40ss-w0rd", "p@ss-w0rd"});
  std::string echoed =
      "end of string reached when looking for matching \"]\" in IPv6 host address in URI: \"" + url + "\"";
  std::string hidden = hide_password(echoed, url);
  CHECK(hidden.find("p%40ss") == std::string::npos);
  CHECK(hidden.find("****") != std::string::npos);
  CHECK(hide_password("invalid percent-encoded token: \"p@ss-w0rd\"", url) ==
        "invalid percent-encoded token: \"****\"");
  CHECK(hide_password("FATAL: password authentication failed for user \"me\"", url) ==
        "FATAL: password authentication failed for user \"me\"");
  // A short password is taken out of the quoted values only, so the message stays readable.
  CHECK(hide_password("password authentication failed: \"pa\"", "host=db password=pa") ==
        "password authentication failed: \"****\"");
  CHECK(hide_password("text with a quoted \"x:pa%\" value", "postgresql://u:pa%@h/d").find("pa%") == std::string::npos);
}

TEST_CASE("percent decoding keeps malformed escapes") {
  CHECK(percent_decode("a%20b%2Fc") == "a b/c");
  CHECK(percent_decode("bad%ZZ%2") == "bad%ZZ%2");
}

TEST_CASE("a '?' in a password is no query, and a percent-encoded parameter name is still password") {
  // libpq ends the user info at the first '@' before any '/': "pa?ss" is its password.
  CHECK(mask_password("postgresql://u:pa?ss@127.0.0.1:1/db") == "postgresql://u:****@127.0.0.1:1/db");
  CHECK(passwords_in("postgresql://u:pa?ss@127.0.0.1:1/db") == std::vector<std::string>{"pa?ss"});
  CHECK(uri_query_start("postgresql://u:pa?ss@h/db") == std::string::npos);
  CHECK(uri_query_start("postgresql://u:p@h/db?sslmode=require") == std::string("postgresql://u:p@h/db").size());
  CHECK(mask_password("postgresql://u@h/db?%70assword=topsecret") == "postgresql://u@h/db?%70assword=****");
  CHECK(mask_password("postgresql://u:x?schema=Hunter2@127.0.0.1:1/db") == "postgresql://u:****@127.0.0.1:1/db");
  // An '@' after the password in the query: the masked spans merge, nothing is left half-replaced.
  CHECK(mask_password("postgresql://u:pw@h/db?password=a@b") == "postgresql://u:****");
}
