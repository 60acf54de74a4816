// `pgtote init`'s pieces without the binary: framework detection per folder layout, and a starter
// file that parses as written (all commented) and with every example switched on.
#include "pgtote/config_starter.h"

#include <doctest/doctest.h>

#include <filesystem>
#include <fstream>
#include <set>

#include "pgtote/config.h"
#include "pgtote/error.h"
#include "test_db.h"

using namespace pgtote;

namespace {
const std::vector<Framework> all_frameworks = {Framework::prisma, Framework::drizzle, Framework::rails,
                                               Framework::django, Framework::laravel, Framework::none};

std::optional<std::string> example_variables(const std::string& name) {
  static const std::map<std::string, std::string> values = {{"DATABASE_URL", "postgresql://me@localhost/app"},
                                                            {"STAGING_DATABASE_URL", "postgresql://me@localhost/st"},
                                                            {"PGTOTE_SALT", "pepper"},
                                                            {"DB_DATABASE", "laravel"},
                                                            {"DB_USERNAME", "me"},
                                                            {"DB_PASSWORD", "pw"}};
  auto found = values.find(name);
  if (found == values.end()) return std::nullopt;
  return found->second;
}

// A folder laid out as `framework`'s projects are.
std::string project_folder(Framework framework) {
  std::string dir = test::temp_path("project-" + framework_name(framework));
  std::filesystem::create_directories(dir);
  auto touch = [&](const std::string& file) {
    std::filesystem::create_directories(std::filesystem::path(dir + "/" + file).parent_path());
    std::ofstream(dir + "/" + file) << "\n";
  };
  touch("README.md");
  if (framework == Framework::prisma) touch("prisma/schema.prisma");
  if (framework == Framework::drizzle) touch("drizzle.config.ts");
  if (framework == Framework::rails) touch("config/database.yml");
  if (framework == Framework::django) touch("manage.py");
  if (framework == Framework::laravel) touch("artisan");
  return dir;
}
}  // namespace

TEST_CASE("the framework is detected from the folder's layout") {
  for (Framework framework : all_frameworks) {
    CAPTURE(framework_name(framework));
    CHECK(detect_framework(project_folder(framework)) == framework);
  }
  std::string drizzle_js = test::temp_path("drizzle-js");
  std::filesystem::create_directories(drizzle_js);
  std::ofstream(drizzle_js + "/drizzle.config.mjs") << "\n";
  CHECK(detect_framework(drizzle_js) == Framework::drizzle);
  CHECK(detect_framework(test::temp_path("no-such-folder")) == Framework::none);
  Framework flag = Framework::none;
  CHECK(framework_from_flag("laravel", flag));
  CHECK(flag == Framework::laravel);
  CHECK_FALSE(framework_from_flag("symfony", flag));
}

TEST_CASE("every starter file parses as written, and with every example switched on") {
  for (Framework framework : all_frameworks) {
    CAPTURE(framework_name(framework));
    std::string text = starter_config(framework, "My Shop");
    CHECK(text.find("#~") == std::string::npos);
    CHECK(text.find('{' + std::string("users}")) == std::string::npos);  // every hole filled
    Config as_written = parse_config(text, "pgtote.yml", example_variables);
    CHECK_FALSE(as_written.source.has_value());
    CHECK(as_written.subset.empty());
    CHECK(as_written.anonymize.empty());

    Config examples = parse_config(starter_config(framework, "My Shop", true), "pgtote.yml", example_variables);
    CHECK(examples.source.has_value());
    CHECK(examples.target.has_value());
    CHECK(examples.tables.has_value());
    CHECK(examples.exclude_tables.has_value());
    CHECK(examples.jobs == 2);
    REQUIRE(examples.subset.start.size() == 1);
    CHECK(examples.subset.start[0].limit == 100u);
    CHECK(examples.subset.children.size() == 3);
    CHECK(examples.subset.parents.size() == 1);
    CHECK(examples.subset.virtual_foreign_keys.size() == 1);
    CHECK(examples.anonymize.salt == "pepper");
    std::set<std::string> kinds;
    for (const auto& rule : examples.anonymize.rules) kinds.insert(rule.transform.kind);
    for (const char* kind : {"email", "name", "phone", "value", "null", "json", "sql"}) {
      CAPTURE(kind);
      CHECK(kinds.count(kind) + (framework == Framework::django && std::string(kind) == "name"));
    }
  }
}

TEST_CASE("each framework's starter speaks its names") {
  Config prisma = parse_config(starter_config(Framework::prisma, "x", true), "p", example_variables);
  CHECK(prisma.subset.start[0].table == "public.User");
  CHECK(prisma.subset.start[0].where == "\"createdAt\" > now() - interval '30 days'");
  CHECK(prisma.source == "postgresql://me@localhost/app");
  CHECK(starter_config(Framework::prisma, "x").find("_prisma_migrations") != std::string::npos);

  Config rails = parse_config(starter_config(Framework::rails, "My Shop", true), "r", [](const std::string& name) {
    return name == "DATABASE_URL" ? std::nullopt : example_variables(name);
  });
  CHECK(rails.source == "postgresql://localhost/my_shop_development");
  CHECK(starter_config(Framework::rails, "x").find("schema_migrations") != std::string::npos);

  Config django = parse_config(starter_config(Framework::django, "x", true), "d", example_variables);
  CHECK(django.subset.start[0].table == "public.auth_user");
  CHECK(starter_config(Framework::django, "x").find("django_migrations") != std::string::npos);

  Config laravel = parse_config(starter_config(Framework::laravel, "x", true), "l", example_variables);
  CHECK(laravel.source == "host=127.0.0.1 port=5432 dbname=laravel user=me password=pw");
  CHECK(laravel.subset.virtual_foreign_keys[0].when == "tokenable_type = 'App\\Models\\User'");

  CHECK(starter_config(Framework::drizzle, "x").find("__drizzle_migrations") != std::string::npos);
}

TEST_CASE("write_new_file never overwrites") {
  std::string path = test::temp_path("starter.yml");
  write_new_file(path, "jobs: 1\n");
  CHECK(test::read_file(path) == "jobs: 1\n");
  try {
    write_new_file(path, "jobs: 2\n");
    FAIL("overwrote " << path);
  } catch (const Error& e) {
    CHECK(e.code() == ExitCode::usage);
    CHECK(std::string(e.what()) ==
          path + " already exists; pgtote init never overwrites it (edit it, or move it away)");
  }
  CHECK(test::read_file(path) == "jobs: 1\n");
}
