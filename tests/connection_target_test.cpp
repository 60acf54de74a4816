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

TEST_CASE("Prisma's schema parameter is dropped, libpq's are kept") {
  CHECK(strip_orm_parameters("postgresql://u@h/db?schema=public") == "postgresql://u@h/db");
  CHECK(strip_orm_parameters("postgresql://u@h/db?schema=public&sslmode=require") ==
        "postgresql://u@h/db?sslmode=require");
  CHECK(strip_orm_parameters("host=h schema=x") == "host=h schema=x");
}

TEST_CASE("passwords are masked in URIs and key=value strings") {
  CHECK(mask_password("postgres://me:s3cr%40t@db:5432/app") == "postgres://me:****@db:5432/app");
  CHECK(mask_password("postgresql://me@db/app?password=s3cret&sslmode=require") ==
        "postgresql://me@db/app?password=****&sslmode=require");
  CHECK(mask_password("host=db password='a b\\'c' user=me") == "host=db password=**** user=me");
  CHECK(mask_password("host=db password=s3cret") == "host=db password=****");
}

TEST_CASE("flag beats DATABASE_URL beats .env beats PG* defaults") {
  std::string dir = test::temp_path("dotenv");
  std::filesystem::create_directories(dir);
  unsetenv("DATABASE_URL");
  CHECK(resolve_connection(std::nullopt, "--source", dir).origin == "PG* defaults");
  std::ofstream(dir + "/.env") << "DATABASE_URL=dbname=from_env_file\n";
  CHECK(resolve_connection(std::nullopt, "--source", dir).conninfo == "dbname=from_env_file");
  setenv("DATABASE_URL", "dbname=from_environment", 1);
  CHECK(resolve_connection(std::nullopt, "--source", dir).conninfo == "dbname=from_environment");
  CHECK(resolve_connection(std::string("dbname=from_flag"), "--source", dir).conninfo == "dbname=from_flag");
  unsetenv("DATABASE_URL");
}
