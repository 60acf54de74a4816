// A first import under match rules into an empty target (issue 12): nothing to match there, so
// tables whose rows keep their ids are copied straight in, and tables whose rule gives other ids
// (a sequence that does not run on from the snapshot's) move into a stage and are remapped, with
// every reference to them. Either way the result is the staged dry run's prediction, to the id.
// Real PostgreSQL; fixtures match_schema.sql and match_dev.sql.
#include <doctest/doctest.h>

#include "pgtote/config.h"
#include "pgtote/importer.h"
#include "test_db.h"

using namespace pgtote;

namespace {

ImportResult import(const test::TestDatabase& db, const std::string& path, bool dry_run) {
  ImportOptions options;
  options.target = {db.conninfo(), "test"};
  options.snapshot_path = path;
  options.progress = false;
  options.dry_run = dry_run;
  options.match = parse_config(R"(match:
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
)",
                               "pgtote.yml", [](const std::string&) { return std::nullopt; })
                      .match;
  options.virtual_foreign_keys = {{"public.attachments(owner_id)", "public.posts(id)", "owner_type = 'post'"},
                                  {"public.attachments(owner_id)", "public.users(id)", "owner_type = 'user'"}};
  return run_import(options, [](const std::string&) {});
}

// The rows of the tables whose ids move in the second case, as text, in id order.
std::string rows(const test::TestDatabase& db) {
  return db.query_value(
      "SELECT concat_ws(E'\\n', "
      "(SELECT string_agg(concat_ws(':', id, email), ' ' ORDER BY id) FROM users), "
      "(SELECT string_agg(concat_ws(':', id, author_id, title), ' ' ORDER BY id) FROM posts), "
      "(SELECT string_agg(concat_ws(':', id, post_id, coalesce(parent_id::text, '-'), author_id, body), ' ' ORDER BY "
      "id) FROM comments), "
      "(SELECT string_agg(concat_ws(':', id, user_id, label), ' ' ORDER BY id) FROM badges), "
      "(SELECT string_agg(concat_ws(':', id, owner_type, owner_id, name), ' ' ORDER BY id) FROM attachments), "
      "(SELECT string_agg(concat_ws(':', organization_id, user_id, note), ' ' ORDER BY id) FROM membership_notes))");
}

std::string sequences(const test::TestDatabase& db) {
  return db.query_value(
      "SELECT string_agg(format('%s=%s', sequencename, coalesce(last_value::text, '-')), ' ' ORDER BY sequencename) "
      "FROM pg_sequences WHERE schemaname = 'public'");
}

struct EmptyTarget {
  test::TestDatabase dev, prod;
  std::string snapshot = test::temp_path("dev-to-empty.json");
  EmptyTarget() {
    dev.load_fixture("match_schema.sql");
    dev.load_fixture("match_dev.sql");
    prod.load_fixture("match_schema.sql");
  }
};

}  // namespace

TEST_CASE("match rules into an empty target: rows keep their ids, the mapping is written, nothing twice [db]") {
  EmptyTarget t;
  test::export_database(t.dev, t.snapshot);
  std::string sequences_before = sequences(t.prod);
  ImportResult dry = import(t.prod, t.snapshot, true);
  REQUIRE(dry.ok);
  CHECK(t.prod.query_value("SELECT count(*) FROM users") == "0");
  ImportResult done = import(t.prod, t.snapshot, false);
  REQUIRE(done.ok);
  test::check_predicted(dry, done);    // always staged, it predicted the direct copy
  CHECK(rows(t.prod) == rows(t.dev));  // every id as dev has it: the sequences run on from them
  CHECK(t.prod.query_value("SELECT count(*) FROM pgtote.match_map") == "17");
  CHECK(t.prod.query_value("SELECT count(*) FROM pgtote.match_map WHERE snapshot_key <> target_key") == "0");
  // The keys built after the entries are the table's own again.
  CHECK(t.prod.query_value("SELECT string_agg(pg_get_indexdef(indexrelid), '; ' ORDER BY indexrelid::regclass::text) "
                           "FROM pg_index WHERE indrelid = 'pgtote.match_map'::regclass") ==
        "CREATE UNIQUE INDEX match_map_identity_key ON pgtote.match_map USING btree (source_system_identifier, "
        "source_database_oid, table_name, snapshot_key) WHERE (source_system_identifier <> ''::text); "
        "CREATE UNIQUE INDEX match_map_name_only_key ON pgtote.match_map USING btree (source_database, table_name, "
        "snapshot_key) WHERE (source_system_identifier = ''::text)");
  CHECK(t.prod.query_value("SELECT count(*) FROM pgtote.match_map WHERE source_system_identifier = ''") == "0");
  CHECK(sequences(t.prod) != sequences_before);  // moved past the ids at the commit
  t.prod.exec("INSERT INTO users (email, name) VALUES ('next@example.com', 'Next')");
  CHECK(t.prod.query_value("SELECT max(id) FROM users") == "4");
  t.prod.exec("DELETE FROM users WHERE email = 'next@example.com'");

  ImportResult again = import(t.prod, t.snapshot, false);
  REQUIRE(again.ok);
  CHECK(again.totals.inserted == 0);
  CHECK(again.totals.updated == 0);
  CHECK(rows(t.prod) == rows(t.dev));
}

TEST_CASE("match rules into an empty target: ids a sequence gives otherwise are remapped, references follow [db]") {
  EmptyTarget t;
  // Gaps in dev's ids: an empty target's sequences give 1, 2, 3, ... in snapshot id order.
  t.dev.exec(
      "INSERT INTO posts (author_id, title) VALUES (1, 'gone'); DELETE FROM posts WHERE title = 'gone';"
      "INSERT INTO posts (author_id, title) VALUES (2, 'Bob post');"
      "INSERT INTO comments (post_id, parent_id, author_id, body) VALUES (4, 3, 2, 'on bob post');"
      "INSERT INTO attachments (owner_type, owner_id, name) VALUES ('post', 4, 'bob.png');"
      "DELETE FROM badges WHERE label = 'first'");
  test::export_database(t.dev, t.snapshot);
  std::string sequences_before = sequences(t.prod);

  // Refused (a CHECK no query before the writes sees): nothing written, no sequence moved.
  t.prod.exec("ALTER TABLE badges ADD CONSTRAINT no_dev CHECK (label <> 'dev')");
  ImportResult refused = import(t.prod, t.snapshot, false);
  CHECK(!refused.ok);
  CHECK(sequences(t.prod) == sequences_before);
  CHECK(t.prod.query_value("SELECT count(*) FROM posts") == "0");
  CHECK(t.prod.query_value("SELECT to_regclass('pgtote.match_map') IS NULL") == "t");
  t.prod.exec("ALTER TABLE badges DROP CONSTRAINT no_dev");

  ImportResult dry = import(t.prod, t.snapshot, true);
  REQUIRE(dry.ok);
  ImportResult done = import(t.prod, t.snapshot, false);
  REQUIRE(done.ok);
  test::check_predicted(dry, done);  // always staged, it predicted the direct copy
  CHECK(rows(t.prod) ==
        "1:alice@example.com 2:bob@example.com 3:dave@example.com\n"
        "1:1:Alice post 2:3:Dave post 3:2:Bob post\n"
        "1:1:-:3:first 2:1:1:1:reply 3:2:-:2:other 4:3:3:2:on bob post\n"
        "1:3:dev\n"
        "1:post:2:dave.png 2:user:3:avatar.png 3:post:3:bob.png\n"
        "1:2:bob joined");
  CHECK(t.prod.query_value(
            "SELECT string_agg(snapshot_key || '->' || target_key, ' ' ORDER BY snapshot_key, table_name) FROM "
            "pgtote.match_map WHERE table_name IN ('public.posts', 'public.badges')") == "1->1 2->1 2->2 4->3");
  ImportResult again = import(t.prod, t.snapshot, false);
  REQUIRE(again.ok);
  CHECK(again.totals.inserted == 0);
  CHECK(again.totals.updated == 0);
}
