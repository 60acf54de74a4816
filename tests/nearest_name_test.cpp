// Suggestions for mistyped commands.
#include "pgtote/nearest_name.h"

#include <doctest/doctest.h>

using namespace pgtote;

TEST_CASE("edit distance counts insertions, deletions, substitutions and swaps") {
  CHECK(edit_distance("export", "export") == 0);
  CHECK(edit_distance("exprot", "export") == 1);
  CHECK(edit_distance("exort", "export") == 1);
  CHECK(edit_distance("", "diff") == 4);
}

TEST_CASE("the nearest command is suggested only when it is near") {
  std::vector<std::string> commands = {"export", "import", "diff", "order", "inspect", "init"};
  CHECK(nearest_name("exprot", commands) == "export");
  CHECK(nearest_name("improt", commands) == "import");
  CHECK(nearest_name("dif", commands) == "diff");
  CHECK(nearest_name("ins", commands) == "inspect");
  CHECK(nearest_name("odrer", commands) == "order");
  CHECK_FALSE(nearest_name("frobnicate", commands).has_value());
}
