// Connection string precedence, .env parsing, ORM parameters and password masking.
#include "pgtote/connection_target.h"

#include <doctest/doctest.h>

#include <cstdlib>
#include <filesystem>
#include <fstream>

#include "test_db.h"

using namespace pgtote;

TEST_CASE(".env parsing") {
  CHECK(dotenv_database_url("DATABASE_URL=postgres://a@h/db\n") == "postgres://a@h/db");
  CHECK(dotenv_database_url("# comment\nexport DATABASE_URL=\"postgres://a:p w@h/db\" \n") == "postgres://a:p w@h/db");
  CHECK(dotenv_database_url("DATABASE_URL='x' # note\nOTHER=1") == "x");
  CHECK(dotenv_database_url("DATABASE_URL=plain # trailing\r\n") == "plain");
  CHECK_FALSE(dotenv_database_url("SHADOW_DATABASE_URL=x\n").has_value());
}

TEST_CASE("Prisma's schema parameter leaves the conninfo and selects the schema, libpq's are kept") {
  CHECK(strip_orm_parameters("postgresql://u@h/db?schema=public") == "postgresql://u@h/db");
  CHECK(strip_orm_parameters("postgresql://u@h/db?schema=public&sslmode=require") ==
        "postgresql://u@h/db?sslmode=require");
  CHECK(strip_orm_parameters("host=h schema=x") == "host=h schema=x");
  CHECK(orm_schema("postgresql://u@h/db?sslmode=disable&schema=my%20app") == "my app");
  // A '?' inside the password starts no query: nothing of the password is read as a schema.
  CHECK_FALSE(orm_schema("postgresql://u:x?schema=Hunter2@127.0.0.1:1/db").has_value());
  CHECK(strip_orm_parameters("postgresql://u:x?schema=Hunter2@h/db") == "postgresql://u:x?schema=Hunter2@h/db");
  CHECK_FALSE(orm_schema("postgresql://u@h/db?schema=").has_value());
  CHECK_FALSE(orm_schema("host=h schema=x").has_value());
  auto target = resolve_connection(std::string("postgresql://u:pw@h/db?schema=billing"), "--source");
  CHECK(target.conninfo == "postgresql://u:pw@h/db");
  CHECK(target.schema == "billing");
}

TEST_CASE("the connection is described by where it came from, without its password") {
  CHECK(describe_connection({"postgresql://app:s3cret@db:5432/app", ".env", "app"}, "target") ==
        "target from DATABASE_URL in .env: postgresql://app:****@db:5432/app (schema app, as -n app)");
  CHECK(describe_connection({"host=db password=s3cret", "--source", std::nullopt}, "source") ==
        "source from --source: host=db password=****");
  const char* pghost = std::getenv("PGHOST");
  std::string saved = pghost ? pghost : "";
  setenv("PGHOST", "/tmp/sockets", 1);
  setenv("PGPASSWORD", "s3cret", 1);
  std::string line = describe_connection({"", "PG* variables", std::nullopt}, "source");
  CHECK(line.rfind("source from PG* variables: PGHOST=/tmp/sockets", 0) == 0);
  CHECK(line.find("s3cret") == std::string::npos);
  unsetenv("PGPASSWORD");
  if (pghost)
    setenv("PGHOST", saved.c_str(), 1);
  else
    unsetenv("PGHOST");
}

TEST_CASE("flag beats DATABASE_URL beats .env beats PG* defaults") {
  std::string dir = test::temp_path("dotenv");
  std::filesystem::create_directories(dir);
  unsetenv("DATABASE_URL");
  CHECK(resolve_connection(std::nullopt, "--source", dir).origin == "PG* variables");
  std::ofstream(dir + "/.env") << "DATABASE_URL=dbname=from_env_file\n";
  CHECK(resolve_connection(std::nullopt, "--source", dir).conninfo == "dbname=from_env_file");
  setenv("DATABASE_URL", "dbname=from_environment", 1);
  CHECK(resolve_connection(std::nullopt, "--source", dir).conninfo == "dbname=from_environment");
  CHECK(resolve_connection(std::string("dbname=from_flag"), "--source", dir).conninfo == "dbname=from_flag");
  unsetenv("DATABASE_URL");
}
