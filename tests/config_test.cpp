// pgtote.yml parsing without a server: every key, every transform form, and the errors that name
// the line and the key (unknown keys, wrong types, unset variables).
#include "pgtote/config.h"

#include <doctest/doctest.h>

#include <filesystem>
#include <fstream>

#include "pgtote/error.h"
#include "test_db.h"

using namespace pgtote;

namespace {
VariableLookup variables(std::map<std::string, std::string> values = {}) {
  return [values](const std::string& name) -> std::optional<std::string> {
    auto found = values.find(name);
    if (found == values.end()) return std::nullopt;
    return found->second;
  };
}

Config parse(const std::string& text, std::map<std::string, std::string> values = {}) {
  return parse_config(text, "pgtote.yml", variables(std::move(values)));
}

// The message of the usage error `text` raises.
std::string refusal(const std::string& text, std::map<std::string, std::string> values = {}) {
  try {
    parse(text, std::move(values));
  } catch (const Error& e) {
    CHECK(e.code() == ExitCode::usage);
    return e.what();
  }
  FAIL("accepted: " << text);
  return "";
}

// The issue's example, as a user would write it.
const char* issue_example = R"yaml(source: ${DEV_URL}
target: postgresql://me@staging/app
tables: ["public.*"]
exclude_tables: [public.Session]
schemas: [public]
skip_audit: true
audit_patterns: ["*Audit*"]
include_migration_tables: false
jobs: 2
subset:
  start:                                    # one or more start tables
    - table: public.User
      where: "\"createdAt\" > now() - interval '30 days'"
      limit: 100                            # optional; with order_by, optional
      order_by: '"createdAt" DESC'
    - table: public.Team
  children:                                 # optional control of downward edges
    public.AuditLog: { limit_per_parent: 20 }
    public.Notification: false              # do not follow this child table
    "public.Comment(parentId)": true        # one foreign key; a self-reference followed downward
  parents:                                  # optional, nullable foreign keys only
    "public.BlockchainBlock(previousId)": null_outside   # NULL when the parent is not in the subset
  virtual_foreign_keys:                     # relations the schema does not declare
    - { from: "public.Comment(subject_id)", to: "public.Post(id)", when: "subject_type = 'Post'" }
anonymize:
  salt: ${PGTOTE_SALT}          # same salt -> same output, across runs and tables
  strict: false                 # true: every non-key column of an exported table needs a rule or `keep`
  keep: ["public.*.createdAt"]
  rules:
    public.User.email: email    # a fake, valid, unique email
    public.User.fullName: name
    "*.phone": phone
    public.User.passwordHash: { value: "$2b$10$invalid" }
    public.AuditLog.ip: null
    public.User.id: hash        # keys too: every column that references it changes the same way
    public.Payment.metadata: { json: { "$.card.last4": { value: "0000" }, "$.owner": name, "$.ip": null } }
    public.Order.note: { sql: "left(note, 3) || '...'" }
    public.User.nickname: keep
    public.User.bio: { value: null }
)yaml";
}  // namespace

TEST_CASE("the issue's example fills every setting, the subset and the anonymization") {
  Config config = parse(issue_example, {{"DEV_URL", "postgresql://me:pw@dev/app"}, {"PGTOTE_SALT", "pepper"}});
  CHECK(config.path == "pgtote.yml");
  CHECK(config.source == "postgresql://me:pw@dev/app");
  CHECK(config.target == "postgresql://me@staging/app");
  CHECK(config.tables == std::vector<std::string>{"public.*"});
  CHECK(config.exclude_tables == std::vector<std::string>{"public.Session"});
  CHECK(config.schemas == std::vector<std::string>{"public"});
  CHECK(config.skip_audit == true);
  CHECK(config.audit_patterns == std::vector<std::string>{"*Audit*"});
  CHECK(config.include_migration_tables == false);
  CHECK(config.jobs == 2);

  const SubsetSpec& subset = config.subset;
  REQUIRE(subset.start.size() == 2);
  CHECK(subset.start[0].table == "public.User");
  CHECK(subset.start[0].where == "\"createdAt\" > now() - interval '30 days'");
  CHECK(subset.start[0].limit == 100u);
  CHECK(subset.start[0].order_by == "\"createdAt\" DESC");
  CHECK(subset.start[1].table == "public.Team");
  CHECK(subset.start[1].where.empty());
  CHECK_FALSE(subset.start[1].limit.has_value());
  REQUIRE(subset.children.size() == 3);
  CHECK(subset.children[0].edge == "public.AuditLog");
  CHECK(subset.children[0].follow);
  CHECK(subset.children[0].limit_per_parent == 20u);
  CHECK(subset.children[1].edge == "public.Notification");
  CHECK_FALSE(subset.children[1].follow);
  CHECK(subset.children[2].edge == "public.Comment(parentId)");
  CHECK(subset.children[2].follow);
  CHECK_FALSE(subset.children[2].limit_per_parent.has_value());
  CHECK(subset.parents == std::map<std::string, std::string>{{"public.BlockchainBlock(previousId)", "null_outside"}});
  REQUIRE(subset.virtual_foreign_keys.size() == 1);
  CHECK(subset.virtual_foreign_keys[0].from == "public.Comment(subject_id)");
  CHECK(subset.virtual_foreign_keys[0].to == "public.Post(id)");
  CHECK(subset.virtual_foreign_keys[0].when == "subject_type = 'Post'");

  const AnonymizeSpec& anonymize = config.anonymize;
  CHECK(anonymize.salt == "pepper");
  CHECK_FALSE(anonymize.strict);
  CHECK(anonymize.keep == std::vector<std::string>{"public.*.createdAt"});
  REQUIRE(anonymize.rules.size() == 10);
  auto rule = [&](size_t i) {
    return anonymize.rules[i].pattern + " " + anonymize.rules[i].transform.kind + " " +
           anonymize.rules[i].transform.value;
  };
  // In the file's order: the first matching rule wins.
  CHECK(rule(0) == "public.User.email email ");
  CHECK(rule(1) == "public.User.fullName name ");
  CHECK(rule(2) == "*.phone phone ");
  CHECK(rule(3) == "public.User.passwordHash value $2b$10$invalid");
  CHECK(rule(4) == "public.AuditLog.ip null ");
  CHECK(rule(5) == "public.User.id hash ");
  CHECK(rule(6) == "public.Payment.metadata json ");
  CHECK(rule(7) == "public.Order.note sql left(note, 3) || '...'");
  CHECK(rule(8) == "public.User.nickname keep ");
  CHECK(rule(9) == "public.User.bio null ");
  const auto& paths = anonymize.rules[6].json_paths;
  REQUIRE(paths.size() == 3);
  CHECK(paths[0].path == "$.card.last4");
  CHECK(paths[0].transform.kind == "value");
  CHECK(paths[0].transform.value == "0000");
  CHECK(paths[1].path == "$.owner");
  CHECK(paths[1].transform.kind == "name");
  CHECK(paths[2].transform.kind == "null");
}

TEST_CASE("an empty file, a file of comments and empty values set nothing") {
  for (const char* text : {"", "# nothing yet\n", "source:\ntables:\nsubset:\nanonymize:\n"}) {
    Config config = parse(text);
    CHECK_FALSE(config.source.has_value());
    CHECK_FALSE(config.tables.has_value());
    CHECK_FALSE(config.jobs.has_value());
    CHECK(config.subset.empty());
    CHECK(config.anonymize.empty());
  }
  // A source that expands to nothing is not set: the next place (DATABASE_URL...) decides.
  CHECK_FALSE(parse("source: ${UNSET_URL:-}\n").source.has_value());
  CHECK(parse("jobs: \"3\"\n").jobs == 3);
}

TEST_CASE("unknown keys are refused with their line, at every level") {
  CHECK(refusal("source: x\nmatches: {}\n") ==
        "pgtote.yml:2: unknown key 'matches' (top level takes: source, target, tables, exclude_tables, schemas, "
        "skip_audit, audit_patterns, include_migration_tables, jobs, subset, anonymize, match, match_map_schema)");
  CHECK(refusal("match_map_schema: {}\n").find("pgtote.yml:1: match_map_schema: expected a single value") == 0);
  CHECK(refusal("match:\n  public.users: {}\n").find("pgtote.yml:2: match.public.users: expected a list") == 0);
  CHECK(refusal("subset:\n  start:\n    - table: public.a\n      limits: 3\n")
            .find("pgtote.yml:4: unknown key 'subset.start[0].limits' (subset.start[0] takes: table, where, limit, "
                  "order_by)") == 0);
  CHECK(refusal("subset:\n  begin: []\n").find("pgtote.yml:2: unknown key 'subset.begin'") == 0);
  CHECK(refusal("subset:\n  children:\n    public.a: { limit_per_child: 2 }\n")
            .find("pgtote.yml:3: unknown key 'subset.children.public.a.limit_per_child'") == 0);
  CHECK(refusal("anonymize:\n  salt: s\n  rule: {}\n").find("pgtote.yml:3: unknown key 'anonymize.rule'") == 0);
  CHECK(refusal("anonymize:\n  salt: s\n  rules:\n    a.b.c: { value: 1, sql: x }\n")
            .find("pgtote.yml:4: anonymize.rules.a.b.c: a transform is one of") == 0);
  CHECK(refusal("subset:\n  virtual_foreign_keys:\n    - { from: \"a(x)\", to: \"b(y)\", if: z }\n")
            .find("pgtote.yml:3: unknown key 'subset.virtual_foreign_keys[0].if'") == 0);
  CHECK(refusal("tables: [a]\ntables: [b]\n") == "pgtote.yml:2: 'tables' is given twice");
}

TEST_CASE("wrong types are refused with the key and its line") {
  CHECK(refusal("jobs: two\n") == "pgtote.yml:1: jobs: expected a whole number from 1 to 64");
  CHECK(refusal("\njobs: 65\n") == "pgtote.yml:2: jobs: expected a whole number from 1 to 64");
  CHECK(refusal("jobs: -1\n").find("pgtote.yml:1: jobs:") == 0);
  CHECK(refusal("tables: public.*\n") ==
        "pgtote.yml:1: tables: expected a list of values ([a, b]), found a single value");
  CHECK(refusal("tables:\n  - [a]\n") == "pgtote.yml:2: tables[0]: expected a single value, found a list");
  CHECK(refusal("skip_audit: yes\n") == "pgtote.yml:1: skip_audit: expected true or false");
  CHECK(refusal("source: {host: db}\n") == "pgtote.yml:1: source: expected a single value, found a map");
  CHECK(refusal("- a\n- b\n").find("pgtote.yml:1: expected keys") == 0);
  CHECK(refusal("subset: []\n") == "pgtote.yml:1: subset: expected a map, found a list");
  CHECK(refusal("subset:\n  start: public.a\n").find("pgtote.yml:2: subset.start: expected a list") == 0);
  CHECK(refusal("subset:\n  start:\n    - where: x\n") ==
        "pgtote.yml:3: subset.start[0]: each start entry needs `table: schema.table`");
  CHECK(refusal("subset:\n  start:\n    - table: a\n      limit: 0\n") ==
        "pgtote.yml:4: subset.start[0].limit: expected a whole number of at least 1");
  CHECK(refusal("subset:\n  start:\n    - table: a\n      order_by: id\n") ==
        "pgtote.yml:3: subset.start[0]: order_by chooses the rows `limit` keeps: give limit too");
  CHECK(refusal("subset:\n  start:\n    - table: a(id)\n").find("'a(id)' is not schema.table") != std::string::npos);
  CHECK(refusal("subset:\n  children:\n    public.a: maybe\n") ==
        "pgtote.yml:3: subset.children.public.a: expected true or false");
  CHECK(refusal("subset:\n  children:\n    public.a: [1]\n") ==
        "pgtote.yml:3: subset.children.public.a: expected true, false or { limit_per_parent: N }");
  CHECK(refusal("subset:\n  children:\n    \"public.a(\": true\n").find("pgtote.yml:3:") == 0);
  CHECK(refusal("subset:\n  parents:\n    \"public.a(b)\": null_inside\n") ==
        "pgtote.yml:3: subset.parents.public.a(b): the only mode is null_outside");
  CHECK(refusal("subset:\n  parents:\n    public.a: null_outside\n") ==
        "pgtote.yml:3: subset.parents.public.a: name one foreign key by its columns: schema.table(column, ...)");
  CHECK(refusal("subset:\n  virtual_foreign_keys:\n    - { from: \"a(x, y)\", to: \"b(y)\" }\n") ==
        "pgtote.yml:3: subset.virtual_foreign_keys[0]: from and to name the same number of columns, in parentheses");
  CHECK(refusal("subset:\n  virtual_foreign_keys:\n    - { from: \"a(x)\" }\n").find("needs from:") !=
        std::string::npos);
  CHECK(refusal("anonymize:\n  salt: s\n  rules:\n    a.b.c: fake\n")
            .find("pgtote.yml:4: anonymize.rules.a.b.c: "
                  "unknown transform 'fake'") == 0);
  CHECK(refusal("anonymize:\n  salt: s\n  rules:\n    a.b.c: { json: { \"card\": email } }\n")
            .find("'card' is not a JSON path") != std::string::npos);
  CHECK(refusal("anonymize:\n  salt: s\n  rules:\n    a.b.c: { json: { \"$.a\": { json: {} } } }\n")
            .find("unknown key 'anonymize.rules.a.b.c.json.$.a.json'") != std::string::npos);
  CHECK(refusal("anonymize:\n  salt: s\n  rules:\n    a.b.c: { sql: }\n") ==
        "pgtote.yml:4: anonymize.rules.a.b.c.sql: expected an SQL expression");
  CHECK(refusal("anonymize:\n  strict: maybe\n") == "pgtote.yml:2: anonymize.strict: expected true or false");
}

TEST_CASE("a rule that makes values needs a salt, while null, value, sql and keep do not") {
  CHECK(refusal("anonymize:\n  rules:\n    public.u.email: email\n") ==
        "pgtote.yml:3: anonymize.rules.public.u.email: this rule makes values from a salt, and anonymize has none: "
        "add salt: ${PGTOTE_SALT} (and set PGTOTE_SALT in the environment or .env)");
  CHECK(refusal("anonymize:\n  rules:\n    a.b.c: { json: { \"$.x\": hash } }\n").find("salt") != std::string::npos);
  Config config = parse("anonymize:\n  rules:\n    a.b.c: null\n    a.b.d: { value: x }\n    a.b.e: keep\n");
  CHECK(config.anonymize.rules.size() == 3);
}

TEST_CASE("YAML syntax errors and unset variables name the line") {
  CHECK(refusal("tables: [a, b\n").find("pgtote.yml:") == 0);
  CHECK(refusal("tables: [a, b\n").find("not valid YAML") != std::string::npos);
  CHECK(refusal("jobs: 1\n---\njobs: 2\n").find("pgtote.yml:3: one YAML document only") == 0);
  CHECK(refusal("jobs: 1\nanonymize:\n  salt: ${PGTOTE_SALT}\n") ==
        "pgtote.yml:3: anonymize.salt: ${PGTOTE_SALT} is not set (neither in the environment nor in .env); set it, "
        "or write ${PGTOTE_SALT:-default}");
  // Variables expand in values only, never in keys, and a secret's value never reaches a message.
  std::string message =
      refusal("source: ${URL}\njobs: ${JOBS}\n", {{"URL", "postgresql://u:hunter2@h/d"}, {"JOBS", "x"}});
  CHECK(message == "pgtote.yml:2: jobs: expected a whole number from 1 to 64");
  CHECK(parse("jobs: ${JOBS:-4}\n").jobs == 4);
  CHECK(refusal("${KEY}: 1\n").find("unknown key '${KEY}'") != std::string::npos);
}

TEST_CASE("load_config: --config, else ./pgtote.yml when it exists, else nothing") {
  std::string dir = test::temp_path("configdir");
  std::filesystem::create_directories(dir);
  CHECK(load_config(std::nullopt, dir).path.empty());
  std::ofstream(dir + "/.env") << "PGTOTE_TEST_JOBS=3\n";
  std::ofstream(dir + "/pgtote.yml") << "jobs: ${PGTOTE_TEST_JOBS}\n";
  Config found = load_config(std::nullopt, dir);
  CHECK(found.path == "pgtote.yml");
  CHECK(found.jobs == 3);
  std::ofstream(dir + "/other.yml") << "jobs: 5\n";
  CHECK(load_config(dir + "/other.yml", dir).jobs == 5);
  try {
    load_config(dir + "/missing.yml", dir);
    FAIL("a missing --config file was accepted");
  } catch (const Error& e) {
    CHECK(e.code() == ExitCode::file);
    CHECK(std::string(e.what()).find("missing.yml") != std::string::npos);
  }
}
