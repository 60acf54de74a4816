// ${VAR} expansion and .env parsing: the pure half of how pgtote.yml keeps secrets out of the file.
#include "pgtote/env_expansion.h"

#include <doctest/doctest.h>

#include <filesystem>
#include <fstream>

#include "pgtote/error.h"
#include "test_db.h"

using namespace pgtote;

namespace {
VariableLookup table(std::map<std::string, std::string> values) {
  return [values](const std::string& name) -> std::optional<std::string> {
    auto found = values.find(name);
    if (found == values.end()) return std::nullopt;
    return found->second;
  };
}

std::string failure(const std::string& text, const VariableLookup& lookup) {
  try {
    expand_variables(text, lookup);
  } catch (const Error& e) {
    CHECK(e.code() == ExitCode::usage);
    return e.what();
  }
  return "";
}
}  // namespace

TEST_CASE("variables expand with and without a default, and other dollars stay") {
  auto vars = table({{"DB", "postgresql://me:pw@db/app"}, {"EMPTY", ""}, {"SALT", "s"}});
  CHECK(expand_variables("${DB}", vars) == "postgresql://me:pw@db/app");
  CHECK(expand_variables("x-${SALT}-${SALT}-y", vars) == "x-s-s-y");
  CHECK(expand_variables("${MISSING:-fallback}", vars) == "fallback");
  CHECK(expand_variables("${EMPTY:-fallback}", vars) == "fallback");  // as in shells: unset or empty
  CHECK(expand_variables("${SALT:-fallback}", vars) == "s");
  CHECK(expand_variables("${MISSING:-}", vars) == "");
  CHECK(expand_variables("${EMPTY}", vars) == "");
  CHECK(expand_variables("host=${MISSING:-127.0.0.1} port=5432", vars) == "host=127.0.0.1 port=5432");
  CHECK(expand_variables("$2b$10$invalid", vars) == "$2b$10$invalid");
  CHECK(expand_variables("$$ SELECT 1 $$", vars) == "$$ SELECT 1 $$");
  CHECK(expand_variables("$${DB} is literal", vars) == "${DB} is literal");
  CHECK(expand_variables("", vars) == "");
}

TEST_CASE("an unset variable, an unclosed brace or a bad name is refused, without any value") {
  auto vars = table({{"SECRET", "hunter2"}});
  std::string unset = failure("${PGTOTE_SALT}", vars);
  CHECK(unset.find("${PGTOTE_SALT} is not set") != std::string::npos);
  CHECK(unset.find("${PGTOTE_SALT:-default}") != std::string::npos);
  CHECK(failure("${SECRET", vars).find("without its closing") != std::string::npos);
  CHECK(failure("${1ABC}", vars).find("is not ${NAME}") != std::string::npos);
  CHECK(failure("${}", vars).find("is not ${NAME}") != std::string::npos);
  CHECK(failure("${SECRET:default}", vars).find("is not ${NAME}") != std::string::npos);
  CHECK(failure("${SECRET:default}", vars).find("hunter2") == std::string::npos);
}

TEST_CASE(".env files: export, quotes, comments, CRLF, last assignment wins") {
  auto vars = parse_dotenv(
      "# comment\nexport A=1\nB = \"two words\" \nC='x' # note\nD=plain # trailing\r\nA=3\n\nnot a line\n=novalue\n");
  CHECK(vars.at("A") == "3");
  CHECK(vars.at("B") == "two words");
  CHECK(vars.at("C") == "x");
  CHECK(vars.at("D") == "plain");
  CHECK(vars.size() == 4);
}

TEST_CASE("the environment beats .env") {
  std::string dir = test::temp_path("envlookup");
  std::filesystem::create_directories(dir);
  std::ofstream(dir + "/.env") << "PGTOTE_TEST_ONLY_IN_FILE=file\nPGTOTE_TEST_BOTH=file\n";
  setenv("PGTOTE_TEST_BOTH", "environment", 1);
  auto lookup = environment_lookup(dir);
  CHECK(lookup("PGTOTE_TEST_ONLY_IN_FILE") == "file");
  CHECK(lookup("PGTOTE_TEST_BOTH") == "environment");
  CHECK_FALSE(lookup("PGTOTE_TEST_NOWHERE").has_value());
  unsetenv("PGTOTE_TEST_BOTH");
  CHECK_FALSE(environment_lookup(dir + "/missing")("PGTOTE_TEST_ONLY_IN_FILE").has_value());
}
