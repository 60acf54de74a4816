// The source identity that keys the persistent id mapping (issue 12): the export records the
// cluster's system identifier and the database's oid; two sources with one database name keep two
// mappings; a snapshot without identity imports by its name, with a note; a mapping table of an
// earlier pgtote is upgraded in the import's transaction. Real PostgreSQL.
#include "pgtote/source_identity.h"

#include <doctest/doctest.h>
#include <unistd.h>

#include <fstream>
#include <regex>

#include "pgtote/importer.h"
#include "pgtote/match_keys.h"
#include "pgtote/match_map.h"
#include "pgtote/snapshot_reader.h"
#include "test_db.h"

using namespace pgtote;
using test::run_pgtote;

namespace {

const char* schema =
    "CREATE TABLE users (id serial PRIMARY KEY, email text NOT NULL UNIQUE, name text);"
    "CREATE TABLE posts (id serial PRIMARY KEY, author_id int NOT NULL REFERENCES users, title text NOT NULL);";

// users matched on email, posts always new: a second source's post 1 is not the first's post 1.
std::vector<MatchRule> rules() {
  return {make_match_rule("public.users", {"email"}, false, "test"), make_match_rule("public.posts", {}, true, "test")};
}

struct Imported {
  ImportResult result;
  std::vector<std::string> notes;
};

Imported import(const test::TestDatabase& db, const std::string& path, bool dry_run = false) {
  ImportOptions options;
  options.target = {db.conninfo(), "test"};
  options.snapshot_path = path;
  options.progress = false;
  options.dry_run = dry_run;
  options.match = rules();
  Imported out;
  out.result = run_import(options, [&](const std::string& note) { out.notes.push_back(note); });
  return out;
}

const TableIdentity& identity_of(const ImportResult& result, const std::string& name) {
  for (const auto& t : result.identity)
    if (t.table == name) return t;
  FAIL("no identity for " << name);
  return result.identity.front();
}

std::string posts(const test::TestDatabase& db) {
  return db.query_value(
      "SELECT string_agg(p.id || ':' || u.email || ':' || p.title, ' ' ORDER BY p.id) FROM posts p JOIN users u ON "
      "u.id = p.author_id");
}

std::string map_rows(const test::TestDatabase& db) {
  return db.query_value(
      "SELECT count(*) || ' ' || coalesce(string_agg(source_system_identifier || '/' || source_database_oid || '/' || "
      "table_name || ':' || snapshot_key || '->' || target_key, ' ' ORDER BY 1), '') FROM pgtote.match_map");
}

size_t occurrences(const std::string& text, const std::string& part) {
  size_t n = 0;
  for (size_t at = text.find(part); at != std::string::npos; at = text.find(part, at + 1)) ++n;
  return n;
}

// The notes that mention `part` (an import's notes also name the sequences it moved).
std::vector<std::string> notes_on(const Imported& imported, const std::string& part) {
  std::vector<std::string> out;
  for (const auto& note : imported.notes)
    if (note.find(part) != std::string::npos) out.push_back(note);
  return out;
}

// The snapshot at `from` written to `to` with its header's source object replaced (the rest, rows
// included, byte for byte): how a snapshot of another server, or of an older pgtote, looks.
std::string with_source(const std::string& from, const std::string& to, const std::string& source) {
  std::string text = test::read_file(from);
  static const std::regex source_object(R"re("source":\{[^}]*\})re");
  std::string changed =
      std::regex_replace(text, source_object, "\"source\":" + source, std::regex_constants::format_first_only);
  REQUIRE(changed != text);
  std::ofstream(to, std::ios::binary) << changed;
  return to;
}

// Two dev databases and prod, on one schema: both devs have a post 1 and a post 2.
struct TwoSources {
  test::TestDatabase first, second, prod;
  std::string first_snapshot = test::temp_path("first.json"), second_snapshot = test::temp_path("second.json");
  TwoSources() {
    first.exec(std::string(schema) +
               "INSERT INTO users (email, name) VALUES ('alice@example.com', 'Alice'), ('bob@example.com', 'Bob');"
               "INSERT INTO posts (author_id, title) VALUES (1, 'first one'), (2, 'first two');");
    second.exec(
        std::string(schema) +
        "INSERT INTO users (email, name) VALUES ('carol@example.com', 'Carol'), ('alice@example.com', "
        "'Alice');"
        "INSERT INTO posts (author_id, title) VALUES (1, 'second one'), (2, 'second two'), (1, 'second three');");
    prod.exec(std::string(schema) +
              "INSERT INTO users (email, name) VALUES ('zed@example.com', 'Zed');"
              "INSERT INTO posts (author_id, title) VALUES (1, 'prod');");
    test::export_database(first, first_snapshot);
    test::export_database(second, second_snapshot);
  }
  std::string system_identifier() const {
    return first.query_value("SELECT system_identifier::text FROM pg_control_system()");
  }
  std::string oid_of(const test::TestDatabase& db) const {
    return db.query_value("SELECT oid::text FROM pg_database WHERE datname = current_database()");
  }
};

const char* after_first = "1:zed@example.com:prod 2:alice@example.com:first one 3:bob@example.com:first two";
const char* after_both =
    "1:zed@example.com:prod 2:alice@example.com:first one 3:bob@example.com:first two "
    "4:carol@example.com:second one 5:alice@example.com:second two 6:carol@example.com:second three";

}  // namespace

TEST_CASE("the id mapping names a source by identity, else by name among the name-only entries") {
  SourceIdentity identified{"7714190862981930607", "16384", "app_development"};
  SourceIdentity by_name{"", "16384", "app_development"};
  CHECK(identified.identified());
  CHECK(!by_name.identified());
  CHECK(!SourceIdentity{"7714190862981930607", "", "app"}.identified());
  CHECK(identified.describe() == "app_development (system 7714190862981930607, database oid 16384)");
  std::vector<std::optional<std::string>> params{"public.posts"};
  CHECK(match_map_source_condition(identified, "mm", params) ==
        "mm.source_system_identifier = $2 AND mm.source_database_oid = $3::pg_catalog.oid");
  CHECK(params == std::vector<std::optional<std::string>>{"public.posts", "7714190862981930607", "16384"});
  params.clear();
  CHECK(match_map_source_condition(by_name, "e", params) ==
        "e.source_system_identifier = '' AND e.source_database = $1");
  CHECK(params == std::vector<std::optional<std::string>>{"app_development"});
  CHECK(match_map_source_values(by_name) == std::vector<std::optional<std::string>>{"", "16384", "app_development"});
  CHECK(match_map_conflict_target(identified).find("WHERE source_system_identifier <> ''") != std::string::npos);
  CHECK(match_map_conflict_target(by_name).find("(source_database, table_name, snapshot_key)") != std::string::npos);
  CHECK(claim_name_only_sql("pg tote", SourceIdentity{"77", "5", "o'k"}) ==
        "UPDATE \"pg tote\".\"match_map\" SET source_system_identifier = E'77', source_database_oid = 5 WHERE "
        "source_system_identifier = '' AND source_database = E'o''k'");
}

TEST_CASE("the export records the source's identity, and a role that may not read it is told so [db]") {
  test::TestDatabase db;
  db.exec("CREATE TABLE t (id int PRIMARY KEY); INSERT INTO t VALUES (1)");
  std::string path = test::temp_path("identified.json");
  auto run = run_pgtote({"export", "--source", db.conninfo(), "-o", path});
  REQUIRE_MESSAGE(run.exit_code == 0, run.err);
  CHECK(run.err.find("source identity") == std::string::npos);
  SnapshotInfo info = SnapshotReader(path).info();
  CHECK(info.system_identifier == db.query_value("SELECT system_identifier::text FROM pg_control_system()"));
  CHECK(info.database_oid == db.query_value("SELECT oid::text FROM pg_database WHERE datname = current_database()"));
  CHECK(info.database == db.name());
  auto inspected = run_pgtote({"inspect", path});
  CHECK(inspected.out.find("identity:  system " + info.system_identifier + ", database oid " + info.database_oid) !=
        std::string::npos);

  // pg_control_system() is executable by PUBLIC on a default install; an administrator may revoke it.
  test::TestRole role(db, "pgtote_identity");
  db.exec("GRANT SELECT ON t TO " + role.name() + "; REVOKE EXECUTE ON FUNCTION pg_control_system() FROM PUBLIC");
  std::string by_name = test::temp_path("by-name.json");
  run = run_pgtote({"export", "--source", role.conninfo(), "-o", by_name});
  REQUIRE_MESSAGE(run.exit_code == 0, run.err);
  CHECK(occurrences(run.err, "may not execute pg_catalog.pg_control_system()") == 1);
  CHECK(run.err.find("GRANT EXECUTE ON FUNCTION pg_catalog.pg_control_system() TO \"" + role.name() + "\"") !=
        std::string::npos);
  info = SnapshotReader(by_name).info();
  CHECK(info.system_identifier.empty());
  CHECK(!info.database_oid.empty());
  CHECK(run_pgtote({"inspect", by_name}).out.find("identity:  none") != std::string::npos);
}

TEST_CASE("two sources with one database name keep two mappings: neither's new rows match the other's [db]") {
  TwoSources two;
  // The second source as another server's database of the same name, and oid: the common case of
  // two servers whose first database is app_development (oid 16384 on both). Only the system
  // identifier tells them apart; the rows are the second database's, exported for real.
  std::string other_system = two.system_identifier() == "1" ? "2" : "1";
  std::string other_server =
      with_source(two.second_snapshot, test::temp_path("other-server.json"),
                  R"({"server_version":"15","database":")" + two.first.name() + R"(","system_identifier":")" +
                      other_system + R"(","database_oid":)" + two.oid_of(two.first) + "}");

  Imported first = import(two.prod, two.first_snapshot);
  REQUIRE(first.result.ok);
  CHECK(posts(two.prod) == after_first);

  Imported dry = import(two.prod, other_server, true);
  REQUIRE(dry.result.ok);
  CHECK(identity_of(dry.result, "public.posts").by_mapping == 0);  // by name, it would have been 2
  CHECK(identity_of(dry.result, "public.posts").fresh == 3);
  Imported second = import(two.prod, other_server);
  REQUIRE(second.result.ok);
  CHECK(identity_of(second.result, "public.posts").by_mapping == 0);
  CHECK(identity_of(second.result, "public.posts").fresh == 3);
  CHECK(identity_of(second.result, "public.users").by_key == 1);  // alice, by email
  CHECK(second.result.totals.updated == 0);                       // the first source's posts kept their titles
  CHECK(posts(two.prod) == after_both);
  CHECK(notes_on(second, "identity").empty());

  // Re-importing either source matches its own rows through its own entries, and writes nothing.
  std::string map_before = map_rows(two.prod);
  CHECK(map_before.rfind("9 ", 0) == 0);  // 2 + 2 users, 2 + 3 posts
  for (const auto& path : {two.first_snapshot, other_server}) {
    CAPTURE(path);
    Imported again = import(two.prod, path);
    REQUIRE(again.result.ok);
    CHECK(again.result.totals.inserted == 0);
    CHECK(again.result.totals.updated == 0);
    CHECK(identity_of(again.result, "public.posts").fresh == 0);
  }
  CHECK(posts(two.prod) == after_both);
  CHECK(map_rows(two.prod) == map_before);

  // Same server, two databases, one name (one dropped and re-created): the oid tells them apart.
  std::string recreated =
      with_source(two.second_snapshot, test::temp_path("recreated.json"),
                  R"({"server_version":"15","database":")" + two.first.name() + R"(","system_identifier":")" +
                      two.system_identifier() + R"(","database_oid":)" + two.oid_of(two.second) + "}");
  Imported third = import(two.prod, recreated);
  REQUIRE(third.result.ok);
  CHECK(identity_of(third.result, "public.posts").by_mapping == 0);
  CHECK(identity_of(third.result, "public.posts").fresh == 3);

  // `pgtote map` lists the identity of each entry's source.
  auto listed = run_pgtote({"map", "--target", two.prod.conninfo()});
  CHECK(listed.exit_code == 0);
  CHECK(listed.out.rfind("source system\tsource database oid\tsource database\ttable\t", 0) == 0);
  CHECK(listed.out.find(other_system + "\t" + two.oid_of(two.first) + "\t" + two.first.name() +
                        "\tpublic.posts\t3\t") != std::string::npos);
  CHECK(listed.out.find(two.system_identifier() + "\t" + two.oid_of(two.first) + "\t" + two.first.name() +
                        "\tpublic.posts\t1\t2\t") != std::string::npos);
}

TEST_CASE(
    "a snapshot without source identity imports by name, and an earlier pgtote's mapping table is upgraded [db]") {
  TwoSources two;
  std::string old_snapshot = with_source(two.first_snapshot, test::temp_path("old.json"),
                                         R"({"server_version":"15","database":"app_development"})");
  Imported old = import(two.prod, old_snapshot);
  REQUIRE(old.result.ok);
  CHECK(posts(two.prod) == after_first);
  auto said = notes_on(old, "source identity");
  REQUIRE(said.size() == 1);
  CHECK(said[0].find("has no source identity") != std::string::npos);
  CHECK(said[0].find("the database name \"app_development\" alone") != std::string::npos);
  CHECK(map_rows(two.prod).find("/0/public.posts:1->2") != std::string::npos);  // name-only entries

  // The table as an earlier pgtote made it: keyed by the source's name alone.
  two.prod.exec(
      "DROP INDEX pgtote.match_map_identity_key; DROP INDEX pgtote.match_map_name_only_key;"
      "ALTER TABLE pgtote.match_map DROP COLUMN source_system_identifier, DROP COLUMN source_database_oid,"
      " ADD PRIMARY KEY (source_database, table_name, snapshot_key)");
  auto listed = run_pgtote({"map", "--target", two.prod.conninfo()});
  CHECK(listed.out.find("-\t-\tapp_development\tpublic.posts\t1\t2\t") != std::string::npos);
  const char* shape =
      "SELECT count(*) FROM pg_attribute WHERE attrelid = 'pgtote.match_map'::regclass AND attname = "
      "'source_system_identifier'";
  Imported dry = import(two.prod, old_snapshot, true);
  REQUIRE(dry.result.ok);
  CHECK(identity_of(dry.result, "public.posts").by_mapping == 2);
  CHECK(two.prod.query_value(shape) == "0");  // the dry run rolled its upgrade back
  Imported upgraded = import(two.prod, old_snapshot);
  REQUIRE(upgraded.result.ok);
  CHECK(upgraded.result.totals.inserted == 0);
  CHECK(upgraded.result.totals.updated == 0);
  CHECK(two.prod.query_value(shape) == "1");
  said = notes_on(upgraded, "earlier pgtote");
  REQUIRE(said.size() == 2);  // the snapshot's, and the table's
  CHECK(said[1].find("match_map\" was made by an earlier pgtote") != std::string::npos);
  CHECK(said[1].find("its 4 entries become entries of a source known by name only") != std::string::npos);

  // The same rows exported by this pgtote: its identity cannot know the name-only entries are its
  // own, so the import blocks and says how to claim or forget them.
  std::string renamed = with_source(two.first_snapshot, test::temp_path("identified.json"),
                                    R"({"server_version":"15","database":"app_development","system_identifier":")" +
                                        two.system_identifier() + R"(","database_oid":)" + two.oid_of(two.first) + "}");
  auto run = run_pgtote({"import", renamed, "--target", two.prod.conninfo(), "--match", "public.users=email", "--match",
                         "public.posts=new"});
  CHECK(run.exit_code == 7);
  CHECK_MESSAGE(run.err.find("pgtote\".\"match_map\": 4 name-only mapping rows") != std::string::npos, run.err);
  std::string claim = "UPDATE \"pgtote\".\"match_map\" SET source_system_identifier = E'" + two.system_identifier() +
                      "', source_database_oid = " + two.oid_of(two.first) +
                      " WHERE source_system_identifier = '' AND source_database = E'app_development'";
  CHECK(run.err.find(claim) != std::string::npos);
  CHECK(posts(two.prod) == after_first);
  two.prod.exec(claim);
  Imported claimed = import(two.prod, renamed);
  REQUIRE(claimed.result.ok);
  CHECK(claimed.result.totals.inserted == 0);
  CHECK(identity_of(claimed.result, "public.posts").by_mapping == 2);
  CHECK(posts(two.prod) == after_first);
}
