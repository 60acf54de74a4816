// Import end to end against real databases: round trips, exact counts, cycles without
// superuser, keys, identity and sequences, dry-run predictions, conflicts, --existing, audit.
#include "pgtote/importer.h"

#include <doctest/doctest.h>

#include <fstream>

#include "pgtote/error.h"
#include "test_db.h"

using namespace pgtote;

namespace {

ImportResult import_into(const test::TestDatabase& db, const std::string& path,
                         const std::function<void(ImportOptions&)>& adjust = nullptr,
                         const std::string& conninfo = "") {
  ImportOptions options;
  options.target = {conninfo.empty() ? db.conninfo() : conninfo, "test"};
  options.snapshot_path = path;
  options.progress = false;
  if (adjust) adjust(options);
  return run_import(options, [](const std::string&) {});
}

const TableImportStats& stats_of(const ImportResult& result, const std::string& qualified) {
  for (const auto& t : result.tables)
    if (t.schema + "." + t.name == qualified) return t;
  FAIL("no statistics for " << qualified);
  return result.tables.front();
}

// A source with every fixture, a snapshot of it, and a schema-only target.
struct RoundTrip {
  test::TestDatabase source, target;
  std::string path = test::temp_path("roundtrip.json");
  RoundTrip() {
    source.load_fixture("shapes.sql");
    source.load_fixture("kinds.sql");
    source.load_fixture("types.sql");
    test::copy_schema(source, target);
    test::export_database(source, path, true);
  }
};

}  // namespace

TEST_CASE("round trip into a schema-only copy gives identical rows, and a second import writes nothing [db]") {
  RoundTrip rt;
  ImportResult first = import_into(rt.target, rt.path);
  CHECK(first.ok);
  CHECK(first.totals.updated == 0);
  CHECK(first.totals.unchanged == 0);
  CHECK(test::table_digests(rt.target) == test::table_digests(rt.source));

  ImportResult second = import_into(rt.target, rt.path);
  CHECK(second.totals.inserted == 0);
  CHECK(second.totals.updated == 0);
  CHECK(second.totals.unchanged == first.totals.inserted);
  CHECK(test::table_digests(rt.target) == test::table_digests(rt.source));
}

TEST_CASE("missing, changed and extra rows give exact counts, and target-only rows stay [db]") {
  RoundTrip rt;
  REQUIRE(import_into(rt.target, rt.path).ok);
  rt.target.exec("DELETE FROM ledger WHERE id = 2; DELETE FROM invoice_line WHERE id = 1");
  rt.target.exec(
      "UPDATE account SET name = 'renamed' WHERE id = 1; UPDATE \"User\" SET \"fullName\" = NULL WHERE id = 'u1'");
  rt.target.exec("INSERT INTO account VALUES (99, 'target only'); INSERT INTO employee VALUES (99, 1)");
  rt.target.exec("UPDATE every_type SET c_jsonb = '{\"changed\": true}', c_point = '(9,9)' WHERE id = 1");

  ImportResult dry = import_into(rt.target, rt.path, [](ImportOptions& o) {
    o.dry_run = true;
    o.show_diff = 5;
  });
  auto before = test::table_digests(rt.target);
  ImportResult result = import_into(rt.target, rt.path);
  REQUIRE(result.ok);
  CHECK(stats_of(result, "public.ledger").inserted == 1);
  CHECK(stats_of(result, "public.ledger").unchanged == 1);
  CHECK(stats_of(result, "public.invoice_line").inserted == 1);
  CHECK(stats_of(result, "public.account").updated == 1);
  CHECK(stats_of(result, "public.account").unchanged == 1);
  CHECK(stats_of(result, "public.User").updated == 1);
  CHECK(stats_of(result, "public.every_type").updated == 1);
  CHECK(result.totals.inserted == 2);
  CHECK(result.totals.updated == 3);
  CHECK(rt.target.query_value("SELECT name FROM account WHERE id = 99") == "target only");
  CHECK(rt.target.query_value("SELECT count(*) FROM employee WHERE id = 99") == "1");
  CHECK(rt.target.query_value("SELECT name FROM account WHERE id = 1") == "one");
  CHECK(rt.target.query_value("SELECT c_point::text FROM every_type WHERE id = 1") == "(1.5,2)");

  // The dry run predicted exactly this, changed nothing, and showed the changed columns.
  for (size_t i = 0; i < result.tables.size(); ++i) {
    CAPTURE(result.tables[i].name);
    CHECK(dry.tables[i].inserted == result.tables[i].inserted);
    CHECK(dry.tables[i].updated == result.tables[i].updated);
    CHECK(dry.tables[i].unchanged == result.tables[i].unchanged);
  }
  CHECK(dry.dry_run);
  bool shown = false;
  for (const auto& d : dry.diffs) shown = shown || d.find("name: renamed -> one") != std::string::npos;
  CHECK(shown);
  CHECK(before != test::table_digests(rt.target));  // the import, not the dry run, changed it
}

TEST_CASE("a dry run writes nothing: no row, no dead tuple, no trigger [db]") {
  RoundTrip rt;
  rt.target.exec(
      "CREATE TABLE trigger_log (note text); "
      "CREATE FUNCTION log_it() RETURNS trigger LANGUAGE plpgsql AS $$ BEGIN INSERT INTO trigger_log VALUES (TG_OP); "
      "RETURN NEW; END $$; "
      "CREATE TRIGGER t BEFORE INSERT OR UPDATE ON account FOR EACH ROW EXECUTE FUNCTION log_it()");
  auto before = test::table_digests(rt.target);
  ImportResult dry = import_into(rt.target, rt.path, [](ImportOptions& o) { o.dry_run = true; });
  CHECK(dry.ok);
  CHECK(dry.totals.inserted > 0);
  CHECK(test::table_digests(rt.target) == before);
  CHECK(rt.target.query_value(
            "SELECT n_tup_ins + n_tup_upd + n_tup_del FROM pg_stat_xact_user_tables WHERE relname = 'account'") == "0");

  // A real import fires BEFORE INSERT; a second one leaves identical rows alone: no BEFORE UPDATE.
  REQUIRE(import_into(rt.target, rt.path).ok);
  CHECK(rt.target.query_value("SELECT count(*) FROM trigger_log WHERE note = 'INSERT'") == "2");
  REQUIRE(import_into(rt.target, rt.path).ok);
  CHECK(rt.target.query_value("SELECT count(*) FROM trigger_log WHERE note = 'UPDATE'") == "0");
}

TEST_CASE("self-references and NOT NULL cycles import with an ordinary role [db]") {
  RoundTrip rt;
  rt.target.exec(
      "DO $$ BEGIN IF NOT EXISTS (SELECT 1 FROM pg_roles WHERE rolname = 'pgtote_writer') THEN "
      "CREATE ROLE pgtote_writer LOGIN PASSWORD 'writer-pw' NOSUPERUSER; END IF; END $$");
  rt.target.exec(
      "GRANT USAGE ON SCHEMA public, billing TO pgtote_writer; "
      "GRANT SELECT, INSERT, UPDATE ON ALL TABLES IN SCHEMA public, billing TO pgtote_writer; "
      "GRANT USAGE, SELECT, UPDATE ON ALL SEQUENCES IN SCHEMA public TO pgtote_writer");
  std::string conninfo = "dbname=" + rt.target.name() + " user=pgtote_writer password=writer-pw";
  CHECK(rt.target.query_value("SELECT rolsuper FROM pg_roles WHERE rolname = 'pgtote_writer'") == "f");
  ImportResult result = import_into(rt.target, rt.path, nullptr, conninfo);
  REQUIRE(result.ok);
  CHECK(stats_of(result, "public.store").inserted == 2);
  CHECK(stats_of(result, "public.staff").inserted == 3);
  CHECK(stats_of(result, "public.cycle_c").inserted == 1);
  CHECK(stats_of(result, "public.employee").inserted == 3);
  CHECK(test::table_digests(rt.target) == test::table_digests(rt.source));
  CHECK(import_into(rt.target, rt.path, nullptr, conninfo).totals.updated == 0);
}

TEST_CASE("tables without primary key, identity ALWAYS and generated columns, sequences past the keys [db]") {
  RoundTrip rt;
  REQUIRE(import_into(rt.target, rt.path).ok);
  CHECK(rt.target.query_value("SELECT string_agg(id || ':' || price_with_tax, ',' ORDER BY id) FROM product") ==
        "1:12.000,2:24.000");
  CHECK(rt.target.query_value("SELECT count(*) FROM no_key") == "3");
  CHECK(rt.target.query_value("SELECT count(*) FROM \"_ProductToTag\"") == "3");
  // The application's next insert gets fresh keys.
  rt.target.exec("INSERT INTO product (price) VALUES (5)");
  CHECK(rt.target.query_value("SELECT max(id) FROM product") == "3");
  CHECK(rt.target.query_value("SELECT serial_no FROM product WHERE id = 3") == "3");
  CHECK(rt.target.query_value("SELECT nextval(pg_get_serial_sequence('\"AuditLog\"', 'id'))") == "2");
  // Never moved backwards: a sequence already ahead stays ahead.
  rt.target.exec("SELECT setval(pg_get_serial_sequence('migrations', 'id'), 500)");
  REQUIRE(import_into(rt.target, rt.path).ok);
  CHECK(rt.target.query_value("SELECT last_value FROM migrations_id_seq") == "500");
  ImportResult again = import_into(rt.target, rt.path);
  CHECK(stats_of(again, "public.no_key").inserted == 0);
  CHECK(stats_of(again, "public.no_key").unchanged == 3);
}

TEST_CASE("a unique conflict stops the import with the target unchanged, --skip-conflicts skips it [db]") {
  RoundTrip rt;
  rt.target.exec(
      "INSERT INTO billing.invoice VALUES ('eu', 1, 10.50); "
      "INSERT INTO tag VALUES ('other'); "
      "ALTER TABLE account ADD CONSTRAINT account_name_key UNIQUE (name); "
      "INSERT INTO account VALUES (7, 'one')");
  auto before = test::table_digests(rt.target);
  ImportResult result = import_into(rt.target, rt.path);
  CHECK_FALSE(result.ok);
  CHECK(test::table_digests(rt.target) == before);
  REQUIRE(result.problems.size() >= 1);
  CHECK(result.problems[0].kind == "conflict");
  CHECK(result.problems[0].table == "public.account");
  CHECK(result.problems[0].examples[0].find("name=one is already held by the target's row id=7") != std::string::npos);

  ImportResult dry = import_into(rt.target, rt.path, [](ImportOptions& o) { o.dry_run = true; });
  CHECK_FALSE(dry.ok);
  CHECK(stats_of(dry, "public.account").conflicts == 1);

  ImportResult skipped = import_into(rt.target, rt.path, [](ImportOptions& o) { o.skip_conflicts = true; });
  REQUIRE(skipped.ok);
  const auto& account = stats_of(skipped, "public.account");
  CHECK(account.conflicts == 1);
  CHECK(account.skipped == 1);
  CHECK(account.inserted == 1);
  // profile 1 and wallet 1 needed account 1, and ledger 1 needed them: skipped with it.
  CHECK(stats_of(skipped, "public.profile").skipped == 1);
  CHECK(stats_of(skipped, "public.wallet").skipped == 1);
  CHECK(stats_of(skipped, "public.ledger").skipped == 1);
  CHECK(stats_of(skipped, "public.ledger").inserted == 1);
  CHECK(rt.target.query_value("SELECT count(*) FROM account WHERE id = 1") == "0");
}

TEST_CASE("--existing keep inserts only new rows, --existing fail refuses existing ones [db]") {
  RoundTrip rt;
  REQUIRE(import_into(rt.target, rt.path).ok);
  rt.target.exec("UPDATE account SET name = 'kept' WHERE id = 1; DELETE FROM ledger WHERE id = 2");
  ImportResult keep = import_into(rt.target, rt.path, [](ImportOptions& o) { o.existing = ExistingRows::keep; });
  REQUIRE(keep.ok);
  CHECK(keep.totals.updated == 0);
  CHECK(keep.totals.inserted == 1);
  CHECK(rt.target.query_value("SELECT name FROM account WHERE id = 1") == "kept");

  auto before = test::table_digests(rt.target);
  ImportResult fail = import_into(rt.target, rt.path, [](ImportOptions& o) { o.existing = ExistingRows::fail; });
  CHECK_FALSE(fail.ok);
  CHECK(fail.problems[0].kind == "existing row");
  CHECK(test::table_digests(rt.target) == before);
}

TEST_CASE("--skip-audit leaves audit tables unimported and lists them as skipped [db]") {
  RoundTrip rt;
  TableSelection selection;
  selection.skip_audit = true;
  ImportResult result = import_into(rt.target, rt.path, [&](ImportOptions& o) { o.selection = selection; });
  REQUIRE(result.ok);
  CHECK(stats_of(result, "public.AuditLog").skipped == 1);
  CHECK(stats_of(result, "public.AuditLog").skipped_because.find("audit") != std::string::npos);
  CHECK(rt.target.query_value("SELECT count(*) FROM \"AuditLog\"") == "0");
  CHECK(rt.target.query_value("SELECT count(*) FROM account") == "2");
}

TEST_CASE("missing parents, NULLs in NOT NULL columns and values the target rejects are named [db]") {
  RoundTrip rt;
  rt.target.exec("DELETE FROM billing.invoice");  // keep the schema; parent rows come from the snapshot
  // A target that is stricter than the source: a NOT NULL the source lacks, a narrower type.
  rt.target.exec("ALTER TABLE \"User\" ALTER COLUMN \"fullName\" SET NOT NULL");
  rt.target.exec("ALTER TABLE every_type ALTER COLUMN c_varchar TYPE varchar(3)");
  try {
    import_into(rt.target, rt.path);
    FAIL("expected the varchar(3) column to reject a value");
  } catch (const Error& e) {
    CHECK(e.code() == ExitCode::rejected);
    std::string message = e.what();
    CHECK(message.find("public.every_type, row 1 (id=1), column c_varchar") != std::string::npos);
    CHECK(message.find("too long") != std::string::npos);
  }
  rt.target.exec("ALTER TABLE every_type ALTER COLUMN c_varchar TYPE varchar(20)");
  ImportResult result =
      import_into(rt.target, rt.path, [](ImportOptions& o) { o.selection.exclude_patterns = {"billing.invoice"}; });
  CHECK_FALSE(result.ok);
  bool not_null = false, orphan = false;
  for (const auto& p : result.problems) {
    if (p.kind == "not null" && p.table == "public.User") not_null = p.examples[0] == "row 2: fullName is NULL";
    if (p.kind == "missing parent" && p.table == "public.invoice_line")
      orphan = p.count == 2 &&
               p.examples[0].find("(region, number)=(eu, 1) has no row in billing.invoice") != std::string::npos;
  }
  CHECK(not_null);
  CHECK(orphan);
  CHECK(rt.target.query_value("SELECT count(*) FROM account") == "0");
}

TEST_CASE("--disable-triggers works for a superuser and is refused clearly for an ordinary role [db]") {
  RoundTrip rt;
  rt.target.exec(
      "CREATE TABLE trigger_log (note text); "
      "CREATE FUNCTION log_it() RETURNS trigger LANGUAGE plpgsql AS $$ BEGIN INSERT INTO trigger_log VALUES (TG_OP); "
      "RETURN NEW; END $$; "
      "CREATE TRIGGER t BEFORE INSERT ON account FOR EACH ROW EXECUTE FUNCTION log_it()");
  rt.target.exec(
      "DO $$ BEGIN IF NOT EXISTS (SELECT 1 FROM pg_roles WHERE rolname = 'pgtote_plain') THEN "
      "CREATE ROLE pgtote_plain LOGIN PASSWORD 'plain-pw' NOSUPERUSER; END IF; END $$");
  std::string plain = "dbname=" + rt.target.name() + " user=pgtote_plain password=plain-pw";
  try {
    import_into(
        rt.target, rt.path, [](ImportOptions& o) { o.disable_triggers = true; }, plain);
    FAIL("expected a refusal");
  } catch (const Error& e) {
    CHECK(e.code() == ExitCode::usage);
    CHECK(std::string(e.what()).find("--disable-triggers") != std::string::npos);
    CHECK(std::string(e.what()).find("superuser") != std::string::npos);
  }
  REQUIRE(import_into(rt.target, rt.path, [](ImportOptions& o) { o.disable_triggers = true; }).ok);
  CHECK(rt.target.query_value("SELECT count(*) FROM trigger_log") == "0");
  CHECK(rt.target.query_value("SELECT count(*) FROM account") == "2");
}

TEST_CASE("schema drift is named in the dry run and stops the import, --ignore-missing-columns imports the rest [db]") {
  RoundTrip rt;
  rt.target.exec("ALTER TABLE account DROP COLUMN name; ALTER TABLE wallet ADD COLUMN label text NOT NULL");
  auto before = test::table_digests(rt.target);
  ImportResult dry = import_into(rt.target, rt.path, [](ImportOptions& o) { o.dry_run = true; });
  CHECK_FALSE(dry.ok);
  CHECK(dry.drift_blocks);
  std::string names;
  for (const auto& item : dry.drift)
    names += std::string(drift_kind_name(item.kind)) + " " + item.table + "." + item.column + ";";
  CHECK(names.find("missing column public.account.name;") != std::string::npos);
  CHECK(names.find("required column public.wallet.label;") != std::string::npos);
  ImportResult refused = import_into(rt.target, rt.path);
  CHECK(refused.drift_blocks);
  CHECK(test::table_digests(rt.target) == before);

  rt.target.exec("ALTER TABLE wallet DROP COLUMN label");
  ImportResult shared = import_into(rt.target, rt.path, [](ImportOptions& o) { o.ignore_missing_columns = true; });
  REQUIRE(shared.ok);
  CHECK(stats_of(shared, "public.account").inserted == 2);
  bool said = false;
  for (const auto& item : shared.drift)
    said = said || (item.column == "name" && item.message.find("dropped") != std::string::npos);
  CHECK(said);
}

TEST_CASE("a table name carrying SQL runs nothing: it is refused as unknown [db]") {
  RoundTrip rt;
  std::string text = test::read_file(rt.path);
  std::string hostile = "account\\\"; DROP TABLE ledger; --";
  for (size_t at = text.find("\"name\":\"account\""); at != std::string::npos;
       at = text.find("\"name\":\"account\"", at + 1))
    text.replace(at, 16, "\"name\":\"" + hostile + "\"");
  for (size_t at = text.find("[\"public\",\"account\"]"); at != std::string::npos;
       at = text.find("[\"public\",\"account\"]", at + 1))
    text.replace(at, 20, "[\"public\",\"" + hostile + "\"]");
  std::string path = test::temp_path("hostile.json");
  std::ofstream(path) << text;
  ImportResult result = import_into(rt.target, path);
  CHECK(result.drift_blocks);
  CHECK(result.drift[0].message.find("DROP TABLE ledger") != std::string::npos);
  CHECK(rt.target.query_value("SELECT count(*) FROM pg_tables WHERE tablename = 'ledger'") == "1");
  CHECK(rt.target.query_value("SELECT count(*) FROM account") == "0");
}

TEST_CASE("broken and hostile snapshots are refused in import and dry-run alike, the target unchanged [db]") {
  RoundTrip rt;
  std::string good = test::read_file(rt.path);
  auto replaced = [&](const std::string& from, const std::string& to) {
    std::string text = good;
    size_t at = text.find(from);
    REQUIRE_MESSAGE(at != std::string::npos, from);
    return text.replace(at, from.size(), to);
  };
  struct Case {
    const char* name;
    std::string text;
    ExitCode code;
    const char* says;
  };
  std::vector<Case> cases = {
      {"empty", "", ExitCode::bad_snapshot, "empty"},
      {"not json", "hello, world", ExitCode::bad_snapshot, "not a pgtote snapshot"},
      {"another shape", R"({"rows": [[1, 2]], "tables": []})", ExitCode::bad_snapshot, "not a pgtote snapshot"},
      {"unknown version", replaced("\"version\":2", "\"version\":7"), ExitCode::bad_snapshot, "version 7"},
      {"truncated", good.substr(0, good.size() * 2 / 3), ExitCode::bad_snapshot, "truncated"},
      {"garbled", replaced("[1,\"one\"]", "[1,\"one\"}"), ExitCode::bad_snapshot, "public.account"},
      {"a value too many", replaced("[1,\"one\"]", "[1,\"one\",3]"), ExitCode::bad_snapshot,
       "table public.account, row 1 has 3 values but the table has 2 columns"},
      {"a value of the wrong JSON type", replaced("[1,\"one\"]", "[\"1\",\"one\"]"), ExitCode::bad_snapshot,
       "table public.account, row 1, column id: expected a JSON number"},
  };
  auto before = test::table_digests(rt.target);
  for (const auto& c : cases) {
    CAPTURE(c.name);
    std::string path = test::temp_path("broken.json");
    std::ofstream(path, std::ios::binary) << c.text;
    for (bool dry : {true, false}) {
      CAPTURE(dry);
      try {
        import_into(rt.target, path, [&](ImportOptions& o) { o.dry_run = dry; });
        FAIL("expected a refusal");
      } catch (const Error& e) {
        CHECK(e.code() == c.code);
        CHECK(std::string(e.what()).find(c.says) != std::string::npos);
        CHECK(std::string(e.what()).find('\n') == std::string::npos);
      }
    }
  }
  CHECK(test::table_digests(rt.target) == before);
}

TEST_CASE("a re-indented snapshot (python -m json.tool) imports to the same result [db]") {
  // Without types.sql: re-indenting tools rewrite json values' whitespace and read numbers as
  // doubles (1.0000000000000000001 becomes 1.0); that is the tool's loss, not the format's.
  test::TestDatabase source, target;
  source.load_fixture("shapes.sql");
  source.load_fixture("kinds.sql");
  test::copy_schema(source, target);
  std::string path = test::temp_path("compact.json"), pretty = test::temp_path("pretty.json");
  test::export_database(source, path, true);
  REQUIRE(std::system(("python3 -m json.tool " + path + " > " + pretty).c_str()) == 0);
  REQUIRE(test::read_file(pretty).find("\n        ") != std::string::npos);
  ImportResult result = import_into(target, pretty);
  REQUIRE(result.ok);
  CHECK(test::table_digests(target) == test::table_digests(source));
  ImportResult again = import_into(target, path);
  CHECK(again.totals.updated == 0);
  CHECK(again.totals.inserted == 0);
}

TEST_CASE("a first import stopped by drift in a late table reports nothing written [db]") {
  RoundTrip rt;
  rt.target.exec("ALTER TABLE no_key DROP COLUMN b");  // no foreign keys: earlier tables copy directly
  auto before = test::table_digests(rt.target);
  ImportResult refused = import_into(rt.target, rt.path);
  CHECK(refused.drift_blocks);
  CHECK(refused.totals.inserted == 0);
  CHECK(refused.totals.updated == 0);
  CHECK(test::table_digests(rt.target) == before);
}
