// Subset exports on a real PostgreSQL: closure on every fixture shape, exact row sets, limits,
// null_outside, virtual keys; each snapshot imports into an empty copy of the schema.
#include <doctest/doctest.h>

#include <map>
#include <set>

#include "pgtote/error.h"
#include "pgtote/exporter.h"
#include "pgtote/snapshot_reader.h"
#include "test_db.h"

using namespace pgtote;

namespace {

using Rows = std::map<std::string, std::set<std::string>>;  // table -> row keys ("a,b" for two columns)

std::string value_text(const JsonValue& v) {
  return v.type == JsonValue::Type::string ? v.text : v.type == JsonValue::Type::null ? "NULL" : v.raw;
}

// Each table's rows, keyed by `key_columns` when given for the table, else its primary key.
Rows read_rows(const std::string& path, const std::map<std::string, std::vector<std::string>>& key_columns = {},
               SnapshotInfo* info = nullptr) {
  SnapshotReader reader(path);
  if (info) *info = reader.info();
  Rows rows;
  Table table;
  while (reader.next_table(table)) {
    auto& set = rows[table.qualified_name()];
    auto named = key_columns.find(table.qualified_name());
    std::vector<std::string> key = named != key_columns.end() ? named->second : table.primary_key;
    std::vector<JsonValue> values;
    while (reader.next_row(values)) {
      std::string text;
      for (const auto& column : key)
        for (size_t i = 0; i < table.columns.size(); ++i)
          if (table.columns[i].name == column) text += (text.empty() ? "" : ",") + value_text(values[i]);
      set.insert(text);
    }
  }
  return rows;
}

ExportResult export_subset(const test::TestDatabase& db, const SubsetSpec& spec, const std::string& path, int jobs = 1,
                           bool dry_run = false) {
  ExportOptions options;
  options.source = {db.conninfo(), "test"};
  options.output = path;
  options.progress = false;
  options.jobs = jobs;
  options.subset = spec;
  options.dry_run = dry_run;
  return run_export(options, [](const std::string&) {});
}

// Exactly these rows in these tables, none in any other.
void check_rows(const Rows& actual, const Rows& expected) {
  for (const auto& [table, rows] : actual) {
    CAPTURE(table);
    auto want = expected.find(table);
    CHECK(rows == (want == expected.end() ? std::set<std::string>{} : want->second));
  }
  for (const auto& [table, rows] : expected) CHECK_MESSAGE(actual.count(table), table);
}

// The snapshot imports into an empty schema-only copy: every foreign key is satisfied.
void check_imports(const test::TestDatabase& db, const std::string& path) {
  test::TestDatabase target;
  test::copy_schema(db, target);
  auto run = test::run_pgtote({"import", path, "--target", target.conninfo(), "-q"});
  CHECK_MESSAGE(run.exit_code == 0, run.err);
}

SubsetSpec start_at(const std::string& table, const std::string& where) {
  SubsetSpec spec;
  spec.start = {{table, where, std::nullopt, ""}};
  return spec;
}

}  // namespace

TEST_CASE("subset: a self-reference is followed up to the root, and down only when turned on [db]") {
  test::TestDatabase db;
  db.load_fixture("shapes.sql");
  std::string path = test::temp_path("subset-employee.json");
  export_subset(db, start_at("public.employee", "id = 3"), path);
  check_rows(read_rows(path), {{"public.employee", {"1", "2", "3"}}});
  check_imports(db, path);

  export_subset(db, start_at("public.employee", "id = 1"), path);
  check_rows(read_rows(path), {{"public.employee", {"1"}}});

  SubsetSpec spec = start_at("public.employee", "id = 2");
  spec.children = {{"public.employee(manager_id)", true, std::nullopt}};
  export_subset(db, spec, path);
  check_rows(read_rows(path), {{"public.employee", {"1", "2", "3"}}});
  check_imports(db, path);
}

TEST_CASE("subset: NOT NULL cycles of two and three tables close upward [db]") {
  test::TestDatabase db;
  db.load_fixture("shapes.sql");
  std::string path = test::temp_path("subset-cycles.json");
  export_subset(db, start_at("public.store", "id = 2"), path);
  check_rows(read_rows(path), {{"public.store", {"2"}}, {"public.staff", {"20"}}});
  check_imports(db, path);

  SubsetSpec spec = start_at("public.store", "id = 2");
  spec.children = {{"public.staff(store_id)", true, std::nullopt}};
  export_subset(db, spec, path);
  check_rows(read_rows(path), {{"public.store", {"2"}}, {"public.staff", {"20", "21"}}});
  check_imports(db, path);

  export_subset(db, start_at("cycle_b", ""), path);
  check_rows(read_rows(path), {{"public.cycle_a", {"1"}}, {"public.cycle_b", {"10"}}, {"public.cycle_c", {"100"}}});
  check_imports(db, path);
}

TEST_CASE("subset: a diamond, multi-column and cross-schema keys, quoted names [db]") {
  test::TestDatabase db;
  db.load_fixture("shapes.sql");
  std::string path = test::temp_path("subset-diamond.json");
  export_subset(db, start_at("public.account", "id = 1"), path);
  check_rows(
      read_rows(path),
      {{"public.account", {"1"}}, {"public.profile", {"1"}}, {"public.wallet", {"1"}}, {"public.ledger", {"1"}}});
  check_imports(db, path);

  export_subset(db, start_at("public.ledger", "id = 2"), path);
  check_rows(
      read_rows(path),
      {{"public.account", {"2"}}, {"public.profile", {"2"}}, {"public.wallet", {"2"}}, {"public.ledger", {"2"}}});
  check_imports(db, path);

  export_subset(db, start_at("billing.invoice", "region = 'us'"), path);
  check_rows(read_rows(path), {{"billing.invoice", {"us,1"}}, {"public.invoice_line", {"2"}}});
  check_imports(db, path);

  export_subset(db, start_at("public.invoice_line", "id = 1"), path);
  check_rows(read_rows(path), {{"billing.invoice", {"eu,1"}}, {"public.invoice_line", {"1"}}});

  export_subset(db, start_at("public.User", "\"fullName\" LIKE 'Zoë%'"), path);
  check_rows(read_rows(path), {{"public.User", {"u1"}}, {"public.order items", {"1"}}, {"public.Ünïcödé 表", {"1"}}});
  check_imports(db, path);
}

TEST_CASE("subset: partitioned tables, references to a partition, inheritance children [db]") {
  test::TestDatabase db;
  db.load_fixture("zoo/partitions.sql");
  std::string path = test::temp_path("subset-partitions.json");
  export_subset(db, start_at("public.devices", "id = 1"), path);
  Rows rows = read_rows(path, {{"public.readings", {"device_id", "taken_at"}}});
  check_rows(rows, {{"public.devices", {"1"}},
                    {"public.readings", {"1,2024-03-01 12:00:00+00", "1,2025-02-01 12:00:00+00"}},
                    {"public.sites", {"LYS", "MUC"}},  // parents of the readings
                    {"public.reading_flags", {"1"}},
                    {"public.calibrations", {"1"}},   // references the partition readings_2024
                    {"public.events_2024", {"4"}}});  // events_2023 declares no foreign key
  check_imports(db, path);

  export_subset(db, start_at("public.reading_flags", "flag = 'late'"), path);
  rows = read_rows(path, {{"public.readings", {"device_id", "taken_at"}}});
  check_rows(
      rows,
      {{"public.devices", {"3"}}, {"public.readings", {"3,2026-06-01 00:00:00+00"}}, {"public.reading_flags", {"2"}}});
  check_imports(db, path);
}

TEST_CASE("subset: virtual foreign keys with a condition behave like foreign keys [db]") {
  test::TestDatabase db;
  db.exec(R"(
    CREATE TABLE post (id int PRIMARY KEY, title text);
    CREATE TABLE photo (id int PRIMARY KEY);
    CREATE TABLE comment (id int PRIMARY KEY, subject_type text NOT NULL, subject_id int NOT NULL,
                          parent_id int REFERENCES comment);
    INSERT INTO post VALUES (1, 'a'), (2, 'b');
    INSERT INTO photo VALUES (1), (2);
    INSERT INTO comment VALUES (1, 'Post', 1, NULL), (2, 'Photo', 1, NULL), (3, 'Post', 2, NULL), (4, 'Post', 1, 1),
                               (5, 'Photo', 2, 3);
  )");
  std::string path = test::temp_path("subset-virtual.json");
  SubsetSpec spec = start_at("public.post", "id = 1");
  spec.virtual_foreign_keys = {{"public.comment(subject_id)", "public.post(id)", "subject_type = 'Post'"},
                               {"public.comment(subject_id)", "public.photo(id)", "subject_type = 'Photo'"}};
  export_subset(db, spec, path);
  check_rows(read_rows(path), {{"public.post", {"1"}}, {"public.comment", {"1", "4"}}});
  check_imports(db, path);

  spec.start = {{"public.comment", "id = 5", std::nullopt, ""}};
  export_subset(db, spec, path);  // up: its photo, its parent comment 3, and comment 3's post
  check_rows(read_rows(path), {{"public.photo", {"2"}}, {"public.post", {"2"}}, {"public.comment", {"3", "5"}}});
  check_imports(db, path);
}

TEST_CASE("subset: limit with order_by, limit_per_parent, a child table turned off [db]") {
  test::TestDatabase db;
  db.exec(R"(
    CREATE TABLE author (id int PRIMARY KEY);
    CREATE TABLE book (id int PRIMARY KEY, author_id int NOT NULL REFERENCES author);
    CREATE TABLE note (id int PRIMARY KEY, author_id int NOT NULL REFERENCES author);
    CREATE TABLE review (id int PRIMARY KEY, book_id int NOT NULL REFERENCES book, reviewer_id int REFERENCES author);
    INSERT INTO author SELECT g FROM generate_series(1, 4) g;
    INSERT INTO book SELECT g, (g - 1) / 5 + 1 FROM generate_series(1, 20) g;  -- 5 books per author
    INSERT INTO note SELECT g, 1 FROM generate_series(1, 3) g;
    INSERT INTO review VALUES (1, 16, 1), (2, 16, NULL), (3, 17, 4), (4, 1, 4);
  )");
  std::string path = test::temp_path("subset-limits.json");
  SubsetSpec spec;
  spec.start = {{"public.author", "id > 1", 2, "id DESC"}};  // authors 4 and 3
  spec.children = {{"public.book", true, 2}, {"public.note", false, std::nullopt}};
  export_subset(db, spec, path);
  // Books 16, 17 (author 4) and 11, 12 (author 3); reviews of those books, and review 4 that
  // author 4 wrote, with its book 1 as a parent. Review 1's reviewer and book 1's author (author 1)
  // come in as parents only, so neither their other books nor their notes do.
  check_rows(read_rows(path), {{"public.author", {"1", "3", "4"}},
                               {"public.book", {"1", "11", "12", "16", "17"}},
                               {"public.review", {"1", "2", "3", "4"}}});
  check_imports(db, path);
}

TEST_CASE("subset: null_outside cuts a nullable chain and the snapshot says so [db]") {
  test::TestDatabase db;
  db.exec(R"(
    CREATE TABLE block (id int PRIMARY KEY, previous_id int REFERENCES block);
    CREATE TABLE tx (id int PRIMARY KEY, block_id int NOT NULL REFERENCES block);
    INSERT INTO block VALUES (1, NULL), (2, 1), (3, 2), (4, 3), (5, 4);
    INSERT INTO tx VALUES (1, 4), (2, 5), (3, 1);
  )");
  std::string path = test::temp_path("subset-cut.json");
  SubsetSpec spec = start_at("public.tx", "id = 1");
  export_subset(db, spec, path);
  check_rows(read_rows(path), {{"public.tx", {"1"}}, {"public.block", {"1", "2", "3", "4"}}});

  spec.parents = {{"public.block(previous_id)", "null_outside"}};
  export_subset(db, spec, path);
  SnapshotInfo info;
  Rows rows = read_rows(path, {{"public.block", {"id", "previous_id"}}}, &info);
  check_rows(rows, {{"public.tx", {"1"}}, {"public.block", {"4,NULL"}}});
  CHECK(info.subset.find(R"("cut":[{"schema":"public","table":"block","foreign_key":"block_previous_id_fkey",)"
                         R"("columns":["previous_id"],"rows":1}])") != std::string::npos);
  check_imports(db, path);

  spec.start = {{"public.tx", "id IN (1, 2)", std::nullopt, ""}};  // block 4 is in: 5 keeps its reference
  export_subset(db, spec, path);
  check_rows(read_rows(path, {{"public.block", {"id", "previous_id"}}}),
             {{"public.tx", {"1", "2"}}, {"public.block", {"4,NULL", "5,4"}}});
  check_imports(db, path);
}

TEST_CASE("subset: a read-only source works, and -j 2 writes the same file [db]") {
  test::TestDatabase db;
  db.load_fixture("shapes.sql");
  db.exec("ALTER DATABASE " + db.name() + " SET default_transaction_read_only = on");
  SubsetSpec spec = start_at("public.account", "id = 2");
  spec.start.push_back({"public.employee", "id = 2", std::nullopt, ""});
  std::string a = test::temp_path("subset-ro-1.json"), b = test::temp_path("subset-ro-2.json");
  export_subset(db, spec, a, 1);
  export_subset(db, spec, b, 2);
  auto strip_time = [](std::string text) {
    size_t at = text.find("\"exported_at\":");
    return text.erase(at, text.find(',', at) - at);
  };
  CHECK(strip_time(test::read_file(a)) == strip_time(test::read_file(b)));
  check_rows(read_rows(a), {{"public.account", {"2"}},
                            {"public.profile", {"2"}},
                            {"public.wallet", {"2"}},
                            {"public.ledger", {"2"}},
                            {"public.employee", {"1", "2"}}});
  check_imports(db, a);
}

TEST_CASE("subset: --dry-run says per table how many rows and why, and writes no file [db]") {
  test::TestDatabase db;
  db.load_fixture("shapes.sql");
  std::string path = test::temp_path("subset-dry.json");
  SubsetSpec spec = start_at("public.employee", "id = 3");
  spec.start.push_back({"public.profile", "id = 1", std::nullopt, ""});
  ExportResult result = export_subset(db, spec, path, 1, true);
  CHECK_FALSE(test::file_exists(path));
  CHECK(result.totals.rows == 7);
  std::map<std::string, std::vector<std::pair<std::string, uint64_t>>> why;
  for (const auto& table : result.preview) why[table.schema + "." + table.name] = table.reasons;
  using Reasons = std::vector<std::pair<std::string, uint64_t>>;
  CHECK(why["public.employee"] == Reasons{{"start", 1}, {"parent of public.employee", 2}});
  CHECK(why["public.profile"] == Reasons{{"start", 1}});
  CHECK(why["public.ledger"] == Reasons{{"child of public.profile", 1}});
  CHECK(why["public.wallet"] == Reasons{{"parent of public.ledger", 1}});
  // Reached through profile and wallet both; parents are walked children first, so wallet names it.
  CHECK(why["public.account"] == Reasons{{"parent of public.wallet", 1}});
  CHECK(why["public.store"].empty());

  // The CLI, without a subset: every row of each table, nothing written.
  auto run = test::run_pgtote({"export", "--dry-run", "--source", db.conninfo(), "-o", path});
  CHECK(run.exit_code == 0);
  CHECK(run.out.find("public.employee") != std::string::npos);
  CHECK(run.out.find("every row") != std::string::npos);
  CHECK_FALSE(test::file_exists(path));
}

TEST_CASE("subset: inspect shows the subset, a full export has none, a bad name is a usage error [db]") {
  test::TestDatabase db;
  db.load_fixture("shapes.sql");
  std::string path = test::temp_path("subset-inspect.json");
  export_subset(db, start_at("public.employee", "id = 3"), path);
  auto run = test::run_pgtote({"inspect", path});
  CHECK(run.exit_code == 0);
  CHECK(run.out.find("subset:") != std::string::npos);
  CHECK(run.out.find("public.employee") != std::string::npos);

  test::export_database(db, path);
  SnapshotInfo info;
  read_rows(path, {}, &info);
  CHECK(info.subset.empty());

  try {
    export_subset(db, start_at("public.employe", ""), path);
    FAIL("expected a usage error");
  } catch (const Error& e) {
    CHECK(e.code() == ExitCode::usage);
    CHECK(std::string(e.what()).find("\"public.employe\"") != std::string::npos);
  }
}

TEST_CASE("subset: a citext reference spelled otherwise than its key is followed down, in a shared scan [db]") {
  test::TestDatabase db;
  db.exec(R"(
    CREATE EXTENSION IF NOT EXISTS citext;
    CREATE TABLE author (handle citext PRIMARY KEY);
    CREATE TABLE topic (id int PRIMARY KEY);
    -- No index leads with either reference: both are looked up in one scan of note.
    CREATE TABLE note (id int PRIMARY KEY, author_handle citext NOT NULL REFERENCES author,
                       topic_id int NOT NULL REFERENCES topic);
    INSERT INTO author VALUES ('Bob'), ('Ann');
    INSERT INTO topic VALUES (1), (2);
    INSERT INTO note VALUES (1, 'BOB', 1), (2, 'bob', 2), (3, 'Ann', 2), (4, 'ann', 1);)");
  SubsetSpec spec = start_at("public.author", "handle = 'bob'");
  spec.start.push_back({"public.topic", "id = 1", std::nullopt, ""});
  std::string path = test::temp_path("subset-citext.json");
  ExportResult dry = export_subset(db, spec, path, 1, true);
  uint64_t notes = 0;
  for (const auto& table : dry.preview)
    if (table.name == "note") notes = table.rows;
  CHECK(notes == 3);  // 1 and 2 through Bob, 4 through topic 1
  export_subset(db, spec, path);
  check_rows(read_rows(path),
             {{"public.author", {"Bob", "Ann"}}, {"public.topic", {"1", "2"}}, {"public.note", {"1", "2", "4"}}});
  check_imports(db, path);
}

TEST_CASE("subset: rows a scan reads whole carry the sql transforms, read with the rows looked up by key [db]") {
  test::TestDatabase db;
  db.exec(R"(
    CREATE TABLE author (id int PRIMARY KEY, name text NOT NULL);
    CREATE TABLE post (id int PRIMARY KEY, author_id int NOT NULL REFERENCES author, title text NOT NULL);
    CREATE TABLE comment (id int PRIMARY KEY, post_id int NOT NULL REFERENCES post, body text NOT NULL);
    CREATE TABLE pin (id int PRIMARY KEY, post_id int NOT NULL REFERENCES post);
    CREATE TABLE block (id int PRIMARY KEY, previous_id int REFERENCES block, author_id int REFERENCES author);
    INSERT INTO author VALUES (1, 'ann'), (2, 'bob'), (3, 'cy');
    INSERT INTO post VALUES (10, 1, 'a1'), (11, 1, 'a2'), (20, 2, 'b1'), (30, 3, 'c1');
    INSERT INTO comment VALUES (100, 10, 'first'), (101, 11, 'second'), (102, 20, 'third'), (103, 30, 'fourth');
    INSERT INTO pin VALUES (1, 20), (2, 30);
    INSERT INTO block VALUES (1, NULL, 2), (2, 1, 1), (3, 2, 1);
  )");
  // author 1 and its posts, comments and blocks are read whole by scans (no index on the
  // references); pin 1 is a second start, whose post 20 (and author 2) come in as parents, by key.
  SubsetSpec spec = start_at("public.author", "id = 1");
  spec.start.push_back({"public.pin", "id = 1", std::nullopt, ""});
  spec.parents = {{"public.block(previous_id)", "null_outside"}};
  ExportOptions options;
  options.source = {db.conninfo(), "test"};
  options.progress = false;
  options.subset = spec;
  options.anonymize.rules = {{"public.author.name", {"sql", "upper(name)"}, {}},
                             {"public.post.title", {"sql", "title || '!'"}, {}},
                             {"public.comment.body", {"sql", "left(body, 2)"}, {}}};
  for (int jobs : {1, 2}) {
    CAPTURE(jobs);
    options.jobs = jobs;
    options.output = test::temp_path("subset-whole-" + std::to_string(jobs) + ".json");
    run_export(options, [](const std::string&) {});
    check_rows(read_rows(options.output, {{"public.author", {"id", "name"}},
                                          {"public.post", {"id", "title"}},
                                          {"public.comment", {"id", "body"}},
                                          {"public.block", {"id", "previous_id"}}}),
               {{"public.author", {"1,ANN", "2,BOB"}},
                {"public.post", {"10,a1!", "11,a2!", "20,b1!"}},
                {"public.comment", {"100,fi", "101,se"}},
                {"public.pin", {"1"}},
                {"public.block", {"2,NULL", "3,2"}}});  // block 1 is not in: block 2's reference is cut
    check_imports(db, options.output);
  }
}

TEST_CASE("subset: null_outside on a two-column reference cuts both columns, only where the parent is out [db]") {
  test::TestDatabase db;
  db.exec(R"(
    CREATE TABLE node (tenant int, id int, prev_tenant int, prev_id int, PRIMARY KEY (tenant, id),
                       FOREIGN KEY (prev_tenant, prev_id) REFERENCES node (tenant, id));
    CREATE TABLE job (id int PRIMARY KEY, tenant int NOT NULL, node_id int NOT NULL,
                      FOREIGN KEY (tenant, node_id) REFERENCES node (tenant, id));
    INSERT INTO node VALUES (1, 1, NULL, NULL), (1, 2, 1, 1), (1, 3, 1, 2), (2, 1, 1, 3), (2, 2, 2, 1);
    INSERT INTO job VALUES (1, 1, 3), (2, 2, 2), (3, 1, 1);
  )");
  std::string path = test::temp_path("subset-cut-two.json");
  SubsetSpec spec = start_at("public.job", "id = 2");
  export_subset(db, spec, path);  // without the rule, the chain is followed to its start
  check_rows(read_rows(path, {{"public.node", {"tenant", "id"}}}),
             {{"public.job", {"2"}}, {"public.node", {"2,2", "2,1", "1,3", "1,2", "1,1"}}});

  spec.parents = {{"public.node(prev_tenant, prev_id)", "null_outside"}};
  spec.start = {{"public.job", "id IN (1, 2)", std::nullopt, ""}};  // nodes (1,3) and (2,2) are in
  export_subset(db, spec, path);
  SnapshotInfo info;
  check_rows(read_rows(path, {{"public.node", {"tenant", "id", "prev_tenant", "prev_id"}}}, &info),
             {{"public.job", {"1", "2"}}, {"public.node", {"1,3,NULL,NULL", "2,2,NULL,NULL"}}});
  CHECK(info.subset.find(R"("columns":["prev_tenant","prev_id"],"rows":2)") != std::string::npos);
  check_imports(db, path);

  spec.parents = {{"public.job(tenant, node_id)", "null_outside"}};  // NOT NULL columns: refused
  try {
    export_subset(db, spec, path);
    FAIL("expected a usage error");
  } catch (const Error& e) {
    CHECK(e.code() == ExitCode::usage);
    CHECK(std::string(e.what()).find("column \"tenant\" is NOT NULL, so the reference cannot be cut") !=
          std::string::npos);
  }
}

TEST_CASE("subset: a start table without columns is read whole, each row once [db]") {
  test::TestDatabase db;
  db.exec("CREATE TABLE marker (); INSERT INTO marker DEFAULT VALUES; INSERT INTO marker DEFAULT VALUES;");
  std::string path = test::temp_path("subset-marker.json");
  export_subset(db, start_at("public.marker", ""), path);
  SnapshotReader reader(path);
  Table table;
  std::vector<JsonValue> values;
  REQUIRE(reader.next_table(table));
  size_t rows = 0;
  while (reader.next_row(values)) ++rows;
  CHECK(rows == 2);
  check_imports(db, path);
}
