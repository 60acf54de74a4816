// Shell-style table patterns.
#include "pgtote/glob.h"

#include <doctest/doctest.h>

using pgtote::glob_match;

TEST_CASE("glob_match follows shell rules") {
  CHECK(glob_match("user*", "users"));
  CHECK(glob_match("public.*", "public.User"));
  CHECK_FALSE(glob_match("user*", "User"));
  CHECK(glob_match("*audit*", "AuditLog", true));
  CHECK(glob_match("log_202[45]", "log_2025"));
  CHECK_FALSE(glob_match("log_202[45]", "log_2026"));
  CHECK(glob_match("a?c", "abc"));
}
