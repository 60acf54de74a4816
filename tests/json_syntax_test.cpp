// The json column syntax check: PostgreSQL's json grammar, any escape, any depth.
#include "pgtote/json_syntax.h"

#include <doctest/doctest.h>

#include <string>

using namespace pgtote;

TEST_CASE("accepts what PostgreSQL's json type accepts") {
  for (const char* text :
       {"1", "-0", "-0.0e+00", "1E5", "123456789012345678901234567890.5e-400", "true", "false", "null", "\"\"",
        R"("\ud800")", R"("\udc00x\u0000\/\b\f\n\r\t\\\"")", "[]", "{}", " [ 1 , [ ] , { } ] ",
        R"({"a":1,"a":[{"b":null}]})", "\n{\"k\\ud800\": \"v\"}\t", "\"é€😀\""})
    CHECK_MESSAGE(is_json_text(text), text);
}

TEST_CASE("refuses what is not one JSON value") {
  for (const char* text : {"",        " ",        "01",         "1.",      ".5",        "+1",          "1e",
                           "-",       "tru",      "truex",      "nul",     "[1,]",      "[,1]",        "{,}",
                           "{\"a\"}", "{\"a\":}", "{\"a\" 1}",  "{1:2}",   "[1 2]",     "[1}",         "{\"a\":1]",
                           "[",       "]",        "\"abc",      R"("\x")", R"("\u12")", R"("\u12g4")", "\"tab\there\"",
                           "1 2",     "[] []",    "{\"a\":1,}", "'a'"})
    CHECK_MESSAGE(!is_json_text(text), text);
}

TEST_CASE("nesting has no depth limit and no recursion") {
  const size_t depth = 200000;
  CHECK(is_json_text(std::string(depth, '[') + std::string(depth, ']')));
  std::string objects;
  for (size_t i = 0; i < depth; ++i) objects += "{\"a\":";
  CHECK(is_json_text(objects + "1" + std::string(depth, '}')));
  CHECK_FALSE(is_json_text(std::string(depth, '[') + std::string(depth - 1, ']')));
  CHECK_FALSE(is_json_text(std::string(depth, '[') + std::string(depth - 1, ']') + "}"));
}
