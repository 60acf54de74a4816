// Anonymized exports end to end on a real server: deterministic per salt, unique where unique,
// references kept, no original value in the file, strict mode, --require-anonymized.
#include <doctest/doctest.h>

#include <fstream>
#include <set>

#include "pgtote/error.h"
#include "pgtote/exporter.h"
#include "pgtote/importer.h"
#include "pgtote/snapshot_reader.h"
#include "test_db.h"

using namespace pgtote;

namespace {

AnonymizeRule rule(const std::string& pattern, const std::string& kind, const std::string& value = "") {
  return {pattern, {kind, value}, {}};
}

AnonymizeSpec staging_spec(const std::string& salt) {
  AnonymizeSpec spec;
  spec.salt = salt;
  spec.keep = {"public.*.createdAt", "public.team.name"};
  spec.rules = {rule("public.User.id", "hash"),
                rule("public.User.email", "email"),
                rule("public.User.fullName", "name"),
                rule("*.phone", "phone"),
                rule("public.User.passwordHash", "value", "$2b$10$invalid"),
                rule("public.User.bio", "text"),
                rule("public.team.id", "hash"),
                rule("public.post.note", "sql", "left(note, 3) || '...'")};
  AnonymizeRule card = rule("public.post.metadata", "json");
  card.json_paths = {{"$.card.last4", {"value", "0000"}}};
  spec.rules.push_back(card);
  return spec;
}

ExportResult export_anonymized(const test::TestDatabase& db, const std::string& path, const AnonymizeSpec& spec,
                               int jobs = 1, std::vector<std::string>* notes = nullptr) {
  ExportOptions options;
  options.source = {db.conninfo(), "test"};
  options.output = path;
  options.progress = false;
  options.jobs = jobs;
  options.jobs_asked = true;
  options.anonymize = spec;
  return run_export(options, [&](const std::string& note) {
    if (notes) notes->push_back(note);
  });
}

// The snapshot without its exported_at line, for comparing two exports.
std::string body(const std::string& path) {
  std::string text = test::read_file(path);
  size_t at = text.find("\"exported_at\"");
  return text.substr(0, at) + text.substr(text.find(',', at));
}

std::map<std::string, std::vector<std::vector<JsonValue>>> rows_of(const std::string& path,
                                                                   SnapshotInfo* info = nullptr) {
  SnapshotReader reader(path);
  if (info) *info = reader.info();
  std::map<std::string, std::vector<std::vector<JsonValue>>> out;
  Table table;
  std::vector<JsonValue> row;
  while (reader.next_table(table))
    while (reader.next_row(row)) out[table.qualified_name()].push_back(row);
  return out;
}

ImportResult import_file(const test::TestDatabase& target, const std::string& path, bool require_anonymized) {
  ImportOptions options;
  options.target = {target.conninfo(), "test"};
  options.snapshot_path = path;
  options.progress = false;
  options.require_anonymized = require_anonymized;
  return run_import(options, [](const std::string&) {});
}

}  // namespace

TEST_CASE("anonymized export: same salt, same file, another salt, other values, header lists the columns [db]") {
  test::TestDatabase db;
  db.load_fixture("anonymize.sql");
  std::string a = test::temp_path("anon-a.json"), b = test::temp_path("anon-b.json"),
              c = test::temp_path("anon-c.json"), d = test::temp_path("anon-d.json");
  export_anonymized(db, a, staging_spec("salt-1"));
  export_anonymized(db, b, staging_spec("salt-1"));
  export_anonymized(db, c, staging_spec("salt-2"));
  std::vector<std::string> notes;
  export_anonymized(db, d, staging_spec("salt-1"), 2, &notes);
  CHECK(body(a) == body(b));
  CHECK(body(a) == body(d));  // -j 2 (one table at a time: the email domain is not shared, but User.id's is bijective)
  CHECK(body(a) != body(c));

  SnapshotInfo info;
  auto rows = rows_of(a, &info);
  auto other = rows_of(c);
  CHECK(info.anonymized);
  std::set<std::string> listed;
  for (const auto& col : info.anonymized_columns)
    listed.insert(col.schema + "." + col.table + "." + col.column + " " + col.transform + " " + col.follows);
  CHECK(listed.count("public.User.email email ") == 1);
  CHECK(listed.count("public.post.author_id hash public.User.id") == 1);
  CHECK(listed.count("public.membership.team_id hash public.team.id") == 1);
  CHECK(listed.count("public.User.email_lower null (generated) ") == 1);
  CHECK(test::read_file(a).find("salt-1") == std::string::npos);

  const auto& users = rows.at("public.User");
  REQUIRE(users.size() == 300);
  size_t differing = 0;
  for (size_t i = 0; i < users.size(); ++i) {
    CHECK(users[i][1].text.ends_with("@example.com"));
    CHECK(users[i][4].text == "$2b$10$invalid");
    CHECK(users[i][7].type == JsonValue::Type::null);  // generated: the target computes it
    differing += users[i][1].text != other.at("public.User")[i][1].text;
  }
  CHECK(differing == 300);
  const auto& posts = rows.at("public.post");
  CHECK(posts[0][3].text == "pri...");
  CHECK(posts[0][4].raw.find("\"last4\": \"0000\"") != std::string::npos);
  CHECK(posts[0][4].raw.find("\"brand\": \"visa\"") != std::string::npos);
}

TEST_CASE("anonymized keys keep every reference: the snapshot imports into a schema-only copy [db]") {
  test::TestDatabase source, target;
  source.load_fixture("anonymize.sql");
  test::copy_schema(source, target);
  std::string path = test::temp_path("anon-import.json");
  export_anonymized(source, path, staging_spec("salt-1"));
  ImportResult result = import_file(target, path, true);
  REQUIRE(result.ok);
  CHECK(target.query_value("SELECT count(*) FROM \"User\"") == "300");
  CHECK(target.query_value("SELECT count(*) FROM post p JOIN \"User\" u ON u.id = p.author_id") == "500");
  CHECK(target.query_value("SELECT count(*) FROM membership m JOIN team t ON t.id = m.team_id") == "300");
  CHECK(target.query_value("SELECT count(DISTINCT email) FROM \"User\"") == "300");
  // The join structure survives: each user authors as many posts as before.
  CHECK(target.query_value(
            "SELECT string_agg(n::text, ',' ORDER BY n) FROM (SELECT count(*) n FROM post GROUP BY author_id) s") ==
        source.query_value(
            "SELECT string_agg(n::text, ',' ORDER BY n) FROM (SELECT count(*) n FROM post GROUP BY author_id) s"));
  CHECK(target.query_value("SELECT count(*) FROM \"User\" u JOIN (SELECT id FROM \"User\") s USING (id)") == "300");
  CHECK(target.query_value("SELECT count(*) FROM \"User\" WHERE email_lower = lower(email)") == "300");
}

TEST_CASE("no original value of a ruled column appears anywhere in the snapshot file [db]") {
  test::TestDatabase db;
  db.load_fixture("anonymize.sql");
  std::string path = test::temp_path("anon-grep.json");
  export_anonymized(db, path, staging_spec("salt-1"));
  std::string file = test::read_file(path);
  Connection connection = db.connect();
  size_t checked = 0;
  for (const char* sql :
       {"SELECT email FROM \"User\"", "SELECT \"fullName\" FROM \"User\"", "SELECT phone FROM \"User\"",
        "SELECT \"passwordHash\" FROM \"User\"", "SELECT bio FROM \"User\"", "SELECT lower(email) FROM \"User\"",
        "SELECT note FROM post", "SELECT metadata->'card'->>'last4' FROM post", "SELECT id::text FROM team"}) {
    auto result = connection.exec(sql);
    for (int i = 0; i < result.rows(); ++i) {
      std::string value = result.text(i, 0);
      if (value.size() < 4) continue;
      CHECK_MESSAGE(file.find("\"" + value + "\"") == std::string::npos, value);
      if (value.size() >= 8) CHECK_MESSAGE(file.find(value) == std::string::npos, value);  // shorter: chance hits
      ++checked;
    }
  }
  CHECK(checked > 2000);
  // The user ids: no row of the file keeps its original id (bigger ids only: small ones may map onto others).
  auto rows = rows_of(path);
  size_t same = 0;
  const auto& users = rows.at("public.User");
  for (size_t i = 0; i < users.size(); ++i) same += users[i][0].raw == std::to_string(i + 1);
  CHECK(same < 5);
}

TEST_CASE("unique columns stay unique on data built to collide [db]") {
  test::TestDatabase db;
  // fullName is unique, and `name` draws from 40 x 40 names: 2000 rows must collide.
  db.exec(R"(CREATE TABLE person (id int PRIMARY KEY, full_name text NOT NULL UNIQUE, code varchar(6) UNIQUE);
             INSERT INTO person SELECT i, 'Person ' || i, lpad(i::text, 6, '0') FROM generate_series(1, 2000) i;)");
  AnonymizeSpec spec;
  spec.salt = "s";
  spec.rules = {rule("public.person.full_name", "name"), rule("public.person.code", "hash")};
  std::string a = test::temp_path("collide-a.json"), b = test::temp_path("collide-b.json");
  export_anonymized(db, a, spec);
  export_anonymized(db, b, spec);
  CHECK(body(a) == body(b));
  auto rows = rows_of(a);
  std::set<std::string> names, codes;
  for (const auto& row : rows.at("public.person")) {
    names.insert(row[1].text);
    codes.insert(row[2].text);
    CHECK(row[2].text.size() == 6);  // varchar(6): hex cut to 6, still unique
  }
  CHECK(names.size() == 2000);
  CHECK(codes.size() == 2000);
  test::TestDatabase target;
  test::copy_schema(db, target);
  CHECK(import_file(target, a, false).ok);
}

TEST_CASE("strict mode names every column without a rule, before reading any row [db]") {
  test::TestDatabase db;
  db.load_fixture("anonymize.sql");
  AnonymizeSpec spec;
  spec.salt = "s";
  spec.strict = true;
  spec.keep = {"public.*.createdAt"};
  spec.rules = {rule("public.User.email", "email"), rule("public.User.fullName", "name")};
  std::string path = test::temp_path("strict.json");
  try {
    export_anonymized(db, path, spec);
    FAIL("strict export went through");
  } catch (const Error& e) {
    std::string message = e.what();
    CHECK(e.code() == ExitCode::usage);
    for (const char* name : {"public.User.phone", "public.User.passwordHash", "public.User.bio", "public.post.note",
                             "public.post.metadata", "public.team.name"})
      CHECK_MESSAGE(message.find(name) != std::string::npos, name);
    // Keys and references are exempt; generated columns are nulled.
    for (const char* name : {"public.User.id", "public.post.author_id", "public.membership.team_id",
                             "public.User.email_lower", "public.User.createdAt"})
      CHECK_MESSAGE(message.find(std::string(name) + ",") == std::string::npos, name);
  }
  CHECK_FALSE(test::file_exists(path));
}

TEST_CASE("--require-anonymized refuses a plain snapshot before touching the target, accepts an anonymized one [db]") {
  test::TestDatabase source, target;
  source.load_fixture("anonymize.sql");
  test::copy_schema(source, target);
  std::string plain = test::temp_path("plain.json"), anonymized = test::temp_path("anonymized.json");
  test::export_database(source, plain);
  export_anonymized(source, anonymized, staging_spec("salt-1"));

  auto refused = test::run_pgtote({"import", plain, "--target", target.conninfo(), "--require-anonymized", "-q"});
  CHECK(refused.exit_code == 7);
  CHECK(refused.err.find("was not anonymized") != std::string::npos);
  CHECK(target.query_value("SELECT count(*) FROM \"User\"") == "0");

  auto accepted = test::run_pgtote({"import", anonymized, "--target", target.conninfo(), "--require-anonymized", "-q"});
  CHECK(accepted.exit_code == 0);
  CHECK(target.query_value("SELECT count(*) FROM \"User\"") == "300");

  auto inspected = test::run_pgtote({"inspect", anonymized});
  CHECK(inspected.out.find("anonymized: ") != std::string::npos);
  CHECK(inspected.out.find("public.post.author_id  hash  (follows public.User.id)") != std::string::npos);
  CHECK(test::run_pgtote({"inspect", plain}).out.find("anonymized") == std::string::npos);
}

TEST_CASE("a hashed key that collides keeps its references across tables read at once, with -j 1 and -j 2 alike [db]") {
  test::TestDatabase db;
  // varchar(4) keys hash to 4 hex digits: 3000 keys collide about 70 times, and two tables
  // reference them (read on two connections, after the keys' table).
  db.exec(R"(CREATE TABLE shop (code varchar(4) PRIMARY KEY, name text);
             CREATE TABLE sale (id int PRIMARY KEY, shop varchar(4) NOT NULL REFERENCES shop);
             CREATE TABLE visit (id int PRIMARY KEY, shop varchar(4) REFERENCES shop);
             INSERT INTO shop SELECT lpad(to_hex(i), 4, '0'), 'shop ' || i FROM generate_series(1, 3000) i;
             INSERT INTO sale SELECT i, lpad(to_hex(1 + i % 3000), 4, '0') FROM generate_series(1, 6000) i;
             INSERT INTO visit SELECT i, lpad(to_hex(1 + (i * 7) % 3000), 4, '0') FROM generate_series(1, 4000) i;)");
  AnonymizeSpec spec;
  spec.salt = "s";
  spec.rules = {rule("public.shop.code", "hash")};
  std::string a = test::temp_path("shared-a.json"), b = test::temp_path("shared-b.json");
  std::vector<std::string> notes;
  export_anonymized(db, a, spec, 1);
  export_anonymized(db, b, spec, 2, &notes);
  CHECK(body(a) == body(b));
  for (const auto& note : notes) CHECK_MESSAGE(note.find("one table at a time") == std::string::npos, note);
  test::TestDatabase target;
  test::copy_schema(db, target);
  REQUIRE(import_file(target, b, false).ok);
  // Every reference names the shop it named before: the shops' names ride along unchanged.
  std::string pairs = "SELECT md5(string_agg(x.id || ':' || s.name, ',' ORDER BY x.id)) FROM ";
  CHECK(target.query_value(pairs + "sale x JOIN shop s ON s.code = x.shop") ==
        db.query_value(pairs + "sale x JOIN shop s ON s.code = x.shop"));
  CHECK(target.query_value(pairs + "visit x JOIN shop s ON s.code = x.shop") ==
        db.query_value(pairs + "visit x JOIN shop s ON s.code = x.shop"));
  std::string codes = "SELECT md5(string_agg(code, ',' ORDER BY name)) FROM shop";
  CHECK(target.query_value(codes) != db.query_value(codes));  // the codes did change
}

TEST_CASE("-j 3: a table that fails while another waits for its key's table ends the export with the failure [db]") {
  test::TestDatabase db;
  // b waits for a (its reference takes a's hashed keys); c fails at once, while a is still read.
  db.exec(R"(CREATE TABLE a (code text PRIMARY KEY, slow text);
             CREATE TABLE b (id int PRIMARY KEY, a_code text REFERENCES a);
             CREATE TABLE c (id int PRIMARY KEY, x int);
             INSERT INTO a VALUES ('a1', 's'), ('a2', 's'), ('a3', 's');
             INSERT INTO b VALUES (1, 'a1');
             INSERT INTO c VALUES (1, 5);)");
  std::string config = test::temp_path("fail-j3.yml"), out = test::temp_path("fail-j3.json");
  std::ofstream(config) << "anonymize:\n  salt: s\n  rules:\n    public.a.code: hash\n"
                           "    public.a.slow: { sql: \"pg_sleep(0.3)::text || slow\" }\n"
                           "    public.c.x: { sql: \"x / 0\" }\n";
  auto run = test::run_pgtote({"export", "--source", db.conninfo(), "--config", config, "-o", out, "-j", "3", "-q"});
  CHECK(run.exit_code != 0);
  CHECK(run.exit_code != 124);  // not hung
  CHECK_MESSAGE(run.err.find("division by zero") != std::string::npos, run.err);
  CHECK_FALSE(test::file_exists(out));
}

TEST_CASE("a unique column that references a hashed key through a virtual foreign key keeps its values apart [db]") {
  test::TestDatabase db;
  // stall.shop_code names shops that are not there too (a virtual key is not enforced): hashed
  // into 4 hex digits beside 100 shops, 3000 values would meet on one output if they only looked up.
  db.exec(R"(CREATE TABLE shop (code varchar(4) PRIMARY KEY);
             CREATE TABLE stall (id int PRIMARY KEY, shop_code varchar(4) UNIQUE);
             INSERT INTO shop SELECT lpad(to_hex(i), 4, '0') FROM generate_series(1, 100) i;
             INSERT INTO stall SELECT i, lpad(to_hex(i), 4, '0') FROM generate_series(1, 3000) i;)");
  ExportOptions options;
  options.source = {db.conninfo(), "test"};
  options.progress = false;
  options.jobs = 2;
  options.anonymize.salt = "s";
  options.anonymize.rules = {rule("public.shop.code", "hash")};
  options.subset.virtual_foreign_keys = {{"public.stall(shop_code)", "public.shop(code)", ""}};
  options.output = test::temp_path("stall.json");
  run_export(options, [](const std::string&) {});
  std::set<std::string> codes;
  auto rows = rows_of(options.output);
  for (const auto& row : rows.at("public.stall")) codes.insert(row[1].text);
  CHECK(codes.size() == 3000);
}
