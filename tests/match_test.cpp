// Dev to prod across id spaces (issue 12): match rules from the config and the flags, rows matched
// on business keys, fresh ids, references rewritten, the persistent mapping, the dry run's
// prediction, identity changes. Real PostgreSQL; fixtures match_schema.sql, match_dev.sql,
// match_prod.sql.
#include <doctest/doctest.h>

#include <fstream>

#include "pgtote/config.h"
#include "pgtote/error.h"
#include "pgtote/id_sources.h"
#include "pgtote/importer.h"
#include "pgtote/match_keys.h"
#include "test_db.h"

using namespace pgtote;
using test::run_pgtote;

namespace {

Config config_of(const std::string& text) {
  return parse_config(text, "pgtote.yml", [](const std::string&) { return std::nullopt; });
}

std::vector<MatchRule> dev_rules() {
  return merge_match_rules(config_of(R"(match:
  public.organizations: [slug]
  public.users: [email]
  public.memberships: [organization_id, user_id]
  public.posts: new
  public.comments: new
  public.badges: new
  public.projects: new
  public.tasks: new
  public.attachments: new
  public.membership_notes: new
)")
                               .match,
                           {});
}

std::vector<VirtualForeignKey> attachment_keys() {
  return {{"public.attachments(owner_id)", "public.posts(id)", "owner_type = 'post'"},
          {"public.attachments(owner_id)", "public.users(id)", "owner_type = 'user'"}};
}

ImportResult import(const test::TestDatabase& db, const std::string& path, bool dry_run,
                    const std::function<void(ImportOptions&)>& adjust = nullptr) {
  ImportOptions options;
  options.target = {db.conninfo(), "test"};
  options.snapshot_path = path;
  options.progress = false;
  options.dry_run = dry_run;
  options.match = dev_rules();
  options.virtual_foreign_keys = attachment_keys();
  if (adjust) adjust(options);
  return run_import(options, [](const std::string&) {});
}

const TableImportStats& stats_of(const ImportResult& result, const std::string& name) {
  for (const auto& t : result.tables)
    if (t.schema + "." + t.name == name) return t;
  FAIL("no statistics for " << name);
  return result.tables.front();
}

const TableIdentity& identity_of(const ImportResult& result, const std::string& name) {
  for (const auto& t : result.identity)
    if (t.table == name) return t;
  FAIL("no identity for " << name);
  return result.identity.front();
}

// Every row of the app's tables, as text, in id order.
std::string rows(const test::TestDatabase& db) {
  return db.query_value(
      "SELECT concat_ws(E'\\n', "
      "(SELECT string_agg(concat_ws(':', id, slug, name), ' ' ORDER BY id) FROM organizations), "
      "(SELECT string_agg(concat_ws(':', id, email, name), ' ' ORDER BY id) FROM users), "
      "(SELECT string_agg(concat_ws(':', organization_id, user_id, role), ' ' ORDER BY organization_id, user_id) FROM "
      "memberships), "
      "(SELECT string_agg(concat_ws(':', id, author_id, title), ' ' ORDER BY id) FROM posts), "
      "(SELECT string_agg(concat_ws(':', id, post_id, coalesce(parent_id::text, '-'), author_id, body), ' ' ORDER BY "
      "id) FROM comments), "
      "(SELECT string_agg(concat_ws(':', id, user_id, label), ' ' ORDER BY id) FROM badges), "
      "(SELECT string_agg(concat_ws(':', id, name, first_task_id), ' ' ORDER BY id) FROM projects), "
      "(SELECT string_agg(concat_ws(':', id, project_id, title), ' ' ORDER BY id) FROM tasks), "
      "(SELECT string_agg(concat_ws(':', id, owner_type, owner_id, name), ' ' ORDER BY id) FROM attachments), "
      "(SELECT string_agg(concat_ws(':', id, organization_id, user_id, note), ' ' ORDER BY id) FROM "
      "membership_notes))");
}

const char* expected_after_import =
    "1:prodco:Prod Co 2:acme:Acme dev 3:devco:Dev Co\n"
    "1:carol@example.com:Carol 2:alice@example.com:Alice 3:erin@example.com:Erin 4:bob@example.com:Bob Dev "
    "5:dave@example.com:Dave\n"
    "1:1:owner 2:2:owner 2:4:member 3:5:owner\n"
    "1:1:Carol post 2:3:Erin post 3:2:Alice post 4:5:Dave post\n"
    "1:1:-:1:prod comment 2:3:-:5:first 3:3:2:2:reply 4:4:-:4:other\n"
    "1:1:prod badge 2:2:first 3:5:dev\n"
    "1:Prod project:1 2:Dev project:2\n"
    "1:1:Prod task 2:2:Dev task\n"
    "1:post:4:dave.png 2:user:5:avatar.png\n"
    "1:1:1:carol founded 2:2:4:bob joined";

std::string map_state(const test::TestDatabase& db) {
  return db.query_value(
      "SELECT count(*) || ' ' || coalesce(string_agg(table_name || ':' || snapshot_key || '->' || target_key || '@' || "
      "recorded_at, ' ' ORDER BY table_name, snapshot_key), '') FROM pgtote.match_map");
}

// Dev and prod on one schema, and dev's snapshot.
struct DevProd {
  test::TestDatabase dev, prod;
  std::string snapshot = test::temp_path("dev.json");
  DevProd() {
    dev.load_fixture("match_schema.sql");
    dev.load_fixture("match_dev.sql");
    prod.load_fixture("match_schema.sql");
    prod.load_fixture("match_prod.sql");
    test::export_database(dev, snapshot);
  }
};

}  // namespace

TEST_CASE("match rules: the config's match: and --match, merged per table, refusals named") {
  Config config = config_of(
      "match:\n  public.users: [email]\n  orgs: [slug, region]\n  public.posts: new\n"
      "match_map_schema: ids\n");
  REQUIRE(config.match.size() == 3);
  CHECK(config.match[0].qualified_name() == "public.users");
  CHECK(config.match[1].qualified_name() == "public.orgs");
  CHECK(config.match[1].columns == std::vector<std::string>{"slug", "region"});
  CHECK(config.match[2].fresh);
  CHECK(config.match_map_schema == "ids");
  auto flags = rejoin_match_flags({"public.posts=title", "app.m=a", "b"});
  REQUIRE(flags == std::vector<std::string>{"public.posts=title", "app.m=a,b"});
  auto merged = merge_match_rules(config.match, {parse_match_flag(flags[0]), parse_match_flag(flags[1])});
  REQUIRE(merged.size() == 4);
  CHECK(merged[2].qualified_name() == "public.posts");
  CHECK(!merged[2].fresh);
  CHECK(merged[3].columns == std::vector<std::string>{"a", "b"});
  CHECK_THROWS_WITH_AS(parse_match_flag("users"), doctest::Contains("TABLE=COLUMN"), Error);
  CHECK_THROWS_WITH_AS(config_of("match:\n  public.users: email\n"),
                       doctest::Contains("pgtote.yml:2: match.public.users"), Error);
  CHECK_THROWS_WITH_AS(config_of("match:\n  public.users: [email, email]\n"), doctest::Contains("named twice"), Error);
  CHECK_THROWS_WITH_AS(config_of("matches:\n  public.users: [email]\n"),
                       doctest::Contains("pgtote.yml:1: unknown key 'matches'"), Error);

  Table users;
  users.schema = "public";
  users.name = "users";
  for (const char* name : {"id", "email", "name"}) {
    Column column;
    column.name = name;
    column.type = name == std::string("id") ? "integer" : "text";
    column.not_null = name != std::string("name");
    users.columns.push_back(column);
  }
  users.primary_key = {"id"};
  users.unique_keys = {{"users_email_key", {"email"}}};
  CHECK(check_match_rule(make_match_rule("users", {"email"}, false, "t"), users).id_column == "id");
  CHECK_THROWS_WITH_AS(check_match_rule(make_match_rule("users", {"name"}, false, "t"), users),
                       doctest::Contains("may be NULL"), Error);
  users.columns[2].not_null = true;
  CHECK_THROWS_WITH_AS(check_match_rule(make_match_rule("users", {"name"}, false, "t"), users),
                       doctest::Contains("no unique key or unique index on exactly (name)"), Error);
  CHECK_THROWS_WITH_AS(check_match_rule(make_match_rule("users", {"nope"}, false, "t"), users),
                       doctest::Contains("no column nope"), Error);
  CHECK_THROWS_WITH_AS(check_match_rule(make_match_rule("users", {}, true, "t"), Table{}),
                       doctest::Contains("the target table has no primary key"), Error);
  users.primary_key.clear();  // a key without an id: rows match on it alone, nothing is remapped
  CHECK(check_match_rule(make_match_rule("users", {"email"}, false, "t"), users).id_column.empty());
}

TEST_CASE("id sources: keys, self-references, composite keys through keys made of references, conditions") {
  // 0 organizations(id), 1 users(id), 2 memberships(organization_id, user_id), 3 notes -> memberships,
  // 4 comments(parent_id) -> comments(id), 5 attachments(owner_id) -> 4 or 1 by condition.
  std::vector<IdEdge> edges = {{2, "organization_id", 0, "id", ""},
                               {2, "user_id", 1, "id", ""},
                               {3, "organization_id", 2, "organization_id", ""},
                               {3, "user_id", 2, "user_id", ""},
                               {4, "parent_id", 4, "id", ""},
                               {5, "owner_id", 4, "id", "owner_type = 'comment'"},
                               {5, "owner_id", 1, "id", "owner_type = 'user'"},
                               {6, "x", 5, "owner_id", "kind = 'a'"},  // a condition onto a condition
                               {4, "id", 4, "id", ""}};
  std::vector<IdEdge> unfollowed;
  auto sources = find_id_sources({{0, "id"}, {1, "id"}, {4, "id"}}, edges, &unfollowed);
  auto of = [&](size_t plan, const std::string& column) {
    std::string out;
    auto it = sources.find({plan, column});
    if (it == sources.end()) return out;
    for (const auto& s : it->second) out += std::to_string(s.remapped) + (s.when.empty() ? "" : "?" + s.when) + " ";
    return out;
  };
  CHECK(of(0, "id") == "0 ");
  CHECK(of(2, "organization_id") == "0 ");
  CHECK(of(3, "organization_id") == "0 ");
  CHECK(of(3, "user_id") == "1 ");
  CHECK(of(4, "parent_id") == "2 ");
  CHECK(of(4, "id") == "2 ");
  CHECK(of(5, "owner_id") == "2?owner_type = 'comment' 1?owner_type = 'user' ");
  CHECK(of(6, "x") == "");
  REQUIRE(unfollowed.size() == 1);  // said, for the import to refuse: its values would stay snapshot ids
  CHECK(unfollowed[0].child == 6);
  CHECK(unfollowed[0].parent_column == "owner_id");
}

TEST_CASE(
    "dev to prod across id spaces: matched rows keep prod's ids, new rows get fresh ones, references follow [db]") {
  DevProd dp;
  std::string prod_before = rows(dp.prod);
  ImportResult dry = import(dp.prod, dp.snapshot, true, [](ImportOptions& o) { o.show_diff = 10; });
  REQUIRE(dry.ok);
  CHECK(rows(dp.prod) == prod_before);  // nothing written
  CHECK(dp.prod.query_value("SELECT to_regclass('pgtote.match_map') IS NULL") == "t");

  ImportResult result = import(dp.prod, dp.snapshot, false);
  REQUIRE(result.ok);
  CHECK(rows(dp.prod) == expected_after_import);

  test::check_predicted(dry, result);  // counts, matches and the new ids
  CHECK(identity_of(dry, "public.users").by_key == 2);
  CHECK(identity_of(dry, "public.users").fresh == 1);
  CHECK(identity_of(dry, "public.users").fresh_ids == "5");
  CHECK(identity_of(dry, "public.comments").fresh_ids == "2, 3, 4");
  CHECK(identity_of(dry, "public.badges").fresh_ids == "2, 3");
  auto moved = identity_of(dry, "public.users").remapped;
  CHECK(moved == std::vector<std::string>{"id 1 -> 2", "id 2 -> 4", "id 3 -> 5"});
  CHECK(stats_of(result, "public.users").updated == 1);    // bob's name
  CHECK(stats_of(result, "public.users").unchanged == 1);  // alice
  CHECK(stats_of(result, "public.users").inserted == 1);   // dave
  CHECK(stats_of(result, "public.memberships").updated == 1);
  CHECK(stats_of(result, "public.memberships").inserted == 2);
  CHECK(stats_of(result, "public.comments").inserted == 3);

  // The sequences stay ahead of the ids: the app's next rows do not collide.
  dp.prod.exec("INSERT INTO users (email, name) VALUES ('next@example.com', 'Next')");
  dp.prod.exec("INSERT INTO badges (user_id, label) VALUES (1, 'next')");
  CHECK(dp.prod.query_value("SELECT max(id) FROM users") == "6");
  CHECK(dp.prod.query_value("SELECT max(id) FROM badges") == "4");
  dp.prod.exec("DELETE FROM badges WHERE label = 'next'; DELETE FROM users WHERE email = 'next@example.com'");

  // A second import of the same snapshot matches everything and writes nothing, the map neither.
  std::string map_before = map_state(dp.prod);
  CHECK(map_before.rfind("17 ", 0) == 0);
  ImportResult again = import(dp.prod, dp.snapshot, false);
  REQUIRE(again.ok);
  CHECK(again.totals.inserted == 0);
  CHECK(again.totals.updated == 0);
  CHECK(identity_of(again, "public.posts").by_mapping == 2);
  CHECK(identity_of(again, "public.users").by_key == 3);
  CHECK(rows(dp.prod) == expected_after_import);
  CHECK(map_state(dp.prod) == map_before);

  // A newer snapshot of the same source with one more row inserts exactly that row.
  dp.dev.exec("INSERT INTO comments (post_id, parent_id, author_id, body) VALUES (2, 3, 3, 'newer')");
  std::string newer = test::temp_path("dev-newer.json");
  test::export_database(dp.dev, newer);
  ImportResult dry_newer = import(dp.prod, newer, true);
  ImportResult third = import(dp.prod, newer, false);
  REQUIRE(third.ok);
  CHECK(third.totals.inserted == 1);
  CHECK(third.totals.updated == 0);
  CHECK(dry_newer.totals.inserted == 1);
  CHECK(identity_of(third, "public.comments").fresh == 1);
  CHECK(identity_of(third, "public.comments").by_mapping == 3);
  CHECK(dp.prod.query_value("SELECT concat_ws(':', id, post_id, parent_id, author_id) FROM comments WHERE body = "
                            "'newer'") == "5:4:4:5");
}

TEST_CASE("a failed import leaves the id mapping as it was [db]") {
  DevProd dp;
  REQUIRE(import(dp.prod, dp.snapshot, false).ok);
  std::string map_before = map_state(dp.prod), rows_before = rows(dp.prod);
  auto sequences = [&] {
    return dp.prod.query_value(
        "SELECT string_agg(format('%s=%s', sequencename, coalesce(last_value::text, '-')), ' ' ORDER BY sequencename) "
        "FROM pg_sequences WHERE schemaname = 'public'");
  };
  std::string sequences_before = sequences();
  dp.dev.exec("INSERT INTO posts (author_id, title) VALUES (2, 'Forbidden')");
  dp.prod.exec("ALTER TABLE posts ADD CONSTRAINT no_forbidden CHECK (title <> 'Forbidden')");
  std::string newer = test::temp_path("dev-forbidden.json");
  test::export_database(dp.dev, newer);
  ImportResult failed = import(dp.prod, newer, false);
  CHECK(!failed.ok);
  CHECK(map_state(dp.prod) == map_before);
  CHECK(rows(dp.prod) == rows_before);
  CHECK(sequences() == sequences_before);  // fresh ids are computed, never drawn, until the commit

  // Through the binary: the same refusal, exit 7; `pgtote map` lists the mapping.
  auto r = run_pgtote({"import",
                       newer,
                       "--target",
                       dp.prod.conninfo(),
                       "-q",
                       "--match",
                       "public.users=email",
                       "--match",
                       "public.posts=new",
                       "--match",
                       "public.organizations=slug",
                       "--match",
                       "public.comments=new",
                       "--match",
                       "public.badges=new",
                       "--match",
                       "public.projects=new",
                       "--match",
                       "public.tasks=new",
                       "--match",
                       "public.attachments=new"});
  CHECK(r.exit_code == 7);
  CHECK(map_state(dp.prod) == map_before);
  auto listed = run_pgtote({"map", "--target", dp.prod.conninfo()});
  CHECK(listed.exit_code == 0);
  CHECK(listed.out.find("\tpublic.users\t3\t5\t") != std::string::npos);
  CHECK(listed.err.find("17 mapped rows") != std::string::npos);
  // Exporting prod leaves the mapping out, like migration history: elsewhere it would be wrong.
  std::string prod_snapshot = test::temp_path("prod.json");
  auto exported = run_pgtote({"export", "--source", dp.prod.conninfo(), "-o", prod_snapshot});
  CHECK(exported.exit_code == 0);
  CHECK(exported.err.find("pgtote.match_map (pgtote id mapping)") != std::string::npos);
  CHECK(test::read_file(prod_snapshot).find("match_map") == std::string::npos);
}

TEST_CASE("match keys the target does not make unique are refused, before any write [db]") {
  DevProd dp;
  auto r = run_pgtote({"import", dp.snapshot, "--target", dp.prod.conninfo(), "--match", "public.users=name"});
  CHECK(r.exit_code == 8);
  CHECK(r.err.find("no unique key or unique index on exactly (name)") != std::string::npos);
  r = run_pgtote({"import", dp.snapshot, "--target", dp.prod.conninfo(), "--match", "public.nope=name"});
  CHECK(r.exit_code == 2);
  CHECK(r.err.find("public.nope") != std::string::npos);
  CHECK(dp.prod.query_value("SELECT count(*) FROM users") == "4");
}

TEST_CASE("without match keys, an update that changes a unique key is an identity change [db]") {
  test::TestDatabase dev, prod;
  const char* schema = "CREATE TABLE users (id serial PRIMARY KEY, email text NOT NULL UNIQUE, name text);";
  dev.exec(std::string(schema) +
           "INSERT INTO users VALUES (5, 'alice@example.com', 'Alice'), (6, 'x@example.com', 'X')");
  prod.exec(std::string(schema) +
            "INSERT INTO users VALUES (5, 'bob@example.com', 'Bob'), (6, 'x@example.com', 'X2');"
            "SELECT setval('users_id_seq', 6)");
  std::string snapshot = test::temp_path("identity.json");
  test::export_database(dev, snapshot);
  auto r = run_pgtote({"import", snapshot, "--target", prod.conninfo(), "--dry-run"});
  CHECK(r.exit_code == 0);
  CHECK(r.out.find("public.users: 1 identity change") != std::string::npos);              // a dry run reports on stdout
  CHECK(r.out.find("email: bob@example.com -> alice@example.com") != std::string::npos);  // a dry run reports on stdout
  CHECK(r.out.find("--match public.users=email") != std::string::npos);                   // a dry run reports on stdout
  r = run_pgtote({"import", snapshot, "--target", prod.conninfo(), "--refuse-identity-changes"});
  CHECK(r.exit_code == 7);
  CHECK(prod.query_value("SELECT email FROM users WHERE id = 5") == "bob@example.com");
  // With the match key declared, bob stays and alice arrives under a fresh id.
  r = run_pgtote(
      {"import", snapshot, "--target", prod.conninfo(), "--refuse-identity-changes", "--match", "users=email", "-q"});
  CHECK(r.exit_code == 0);
  CHECK(prod.query_value("SELECT string_agg(id || ':' || email, ' ' ORDER BY id) FROM users") ==
        "5:bob@example.com 6:x@example.com 7:alice@example.com");
  CHECK(prod.query_value("SELECT name FROM users WHERE id = 6") == "X");
}

TEST_CASE("a new row whose id has no default keeps the snapshot's id when it is free, else it blocks [db]") {
  test::TestDatabase dev, prod, other;
  const char* schema = "CREATE TABLE tags (id int PRIMARY KEY, name text NOT NULL UNIQUE);";
  dev.exec(std::string(schema) + "INSERT INTO tags VALUES (1, 'a'), (2, 'b'), (3, 'c')");
  prod.exec(std::string(schema) + "INSERT INTO tags VALUES (1, 'a'), (2, 'z')");
  other.exec(std::string(schema) + "INSERT INTO tags VALUES (1, 'a'), (5, 'z')");
  std::string snapshot = test::temp_path("tags.json");
  test::export_database(dev, snapshot);
  auto r = run_pgtote({"import", snapshot, "--target", prod.conninfo(), "--match", "tags=name"});
  CHECK(r.exit_code == 7);
  CHECK(r.err.find("public.tags: 1 no free id") != std::string::npos);
  CHECK(r.err.find("snapshot's ids 2") != std::string::npos);
  CHECK(prod.query_value("SELECT string_agg(id || ':' || name, ' ' ORDER BY id) FROM tags") == "1:a 2:z");
  r = run_pgtote({"import", snapshot, "--target", other.conninfo(), "--match", "tags=name", "-q"});
  CHECK(r.exit_code == 0);
  CHECK(other.query_value("SELECT string_agg(id || ':' || name, ' ' ORDER BY id) FROM tags") == "1:a 2:b 3:c 5:z");
}

TEST_CASE("match rules refuse --continue-on-error, and a quote in match_map_schema stays a name [db]") {
  DevProd dp;
  std::string rows_before = rows(dp.prod);
  auto r = run_pgtote({"import", dp.snapshot, "--target", dp.prod.conninfo(), "--match", "public.users=email",
                       "--match", "public.posts=new", "--continue-on-error"});
  CHECK(r.exit_code == 2);
  CHECK_MESSAGE(r.err.find("match rules and --continue-on-error go apart") != std::string::npos, r.err);
  CHECK(rows(dp.prod) == rows_before);

  // The schema's name reaches SQL only quoted: as an identifier, and inside the table's comment.
  std::string config = test::temp_path("quoted-schema.yml");
  {
    std::ofstream out(config);
    out << "match_map_schema: \"x'; DROP TABLE users; --\"\nmatch:\n  public.organizations: [slug]\n"
           "  public.users: [email]\n  public.memberships: [organization_id, user_id]\n";
    for (const char* table : {"posts", "comments", "badges", "projects", "tasks", "attachments", "membership_notes"})
      out << "  public." << table << ": new\n";
  }
  r = run_pgtote({"import", dp.snapshot, "--target", dp.prod.conninfo(), "--config", config, "-q"});
  CHECK_MESSAGE(r.exit_code == 0, r.err);
  CHECK(dp.prod.query_value("SELECT count(*) FROM users") != "0");
  CHECK(dp.prod.query_value("SELECT obj_description('\"x''; DROP TABLE users; --\".match_map'::regclass)")
            .find("DROP SCHEMA \"x'; DROP TABLE users; --\" CASCADE") != std::string::npos);
}

TEST_CASE("snapshot rows that meet on one target row under a match key are named, with what to do [db]") {
  test::TestDatabase dev, prod;
  // Dev never made email unique; prod did. Labels have no primary key: their match key is the key.
  dev.exec(
      "CREATE TABLE users (id serial PRIMARY KEY, email text NOT NULL, name text);"
      "INSERT INTO users (email, name) VALUES ('alice@example.com', 'Alice'), ('bob@example.com', 'Bob'), "
      "('alice@example.com', 'Alice again');"
      "CREATE TABLE labels (code text NOT NULL, note text); INSERT INTO labels VALUES ('a', 'one'), ('b', 'two'), "
      "('a', 'three')");
  prod.exec(
      "CREATE TABLE users (id serial PRIMARY KEY, email text NOT NULL UNIQUE, name text);"
      "INSERT INTO users (email, name) VALUES ('zed@example.com', 'Zed'), ('alice@example.com', 'Alice');"
      "CREATE TABLE labels (code text NOT NULL UNIQUE, note text)");
  std::string snapshot = test::temp_path("twice.json");
  test::export_database(dev, snapshot);
  auto r = run_pgtote({"import", snapshot, "--target", prod.conninfo(), "--match", "users=email", "--dry-run"});
  CHECK(r.exit_code == 6);  // bad_snapshot, as every duplicated key
  CHECK_MESSAGE(r.err.find("match public.users on email: 1 target row(s) would each take several snapshot rows; "
                           "snapshot rows id 1, 3 all match target row id 2 (email=alice@example.com); a target row "
                           "can be only one of them: make email unique in the source") != std::string::npos,
                r.err);
  r = run_pgtote({"import", snapshot, "--target", prod.conninfo(), "--match", "labels=code", "-t", "public.labels"});
  CHECK(r.exit_code == 6);  // bad_snapshot, as every duplicated key
  CHECK_MESSAGE(r.err.find("holds 1 duplicated values of its key (match key (code)); code = a in rows 1, 2; those rows "
                           "would all be the one target row with that key") != std::string::npos,
                r.err);
  CHECK(prod.query_value("SELECT count(*) FROM users") == "2");
}

TEST_CASE("a virtual key onto a polymorphic column is refused: its values would keep the snapshot's ids [db]") {
  DevProd dp;
  std::string rows_before = rows(dp.prod);
  // badges.user_id declared onto attachments.owner_id, which only conditions make a reference.
  auto chained = [](ImportOptions& o) {
    o.virtual_foreign_keys.push_back({"public.badges(user_id)", "public.attachments(owner_id)", "label <> ''"});
  };
  CHECK_THROWS_WITH_AS(import(dp.prod, dp.snapshot, true, chained),
                       doctest::Contains("virtual foreign key public.badges(user_id) -> public.attachments(owner_id) "
                                         "when label <> '': its parent column is itself a reference only under a "
                                         "condition"),
                       Error);
  CHECK(rows(dp.prod) == rows_before);
}
