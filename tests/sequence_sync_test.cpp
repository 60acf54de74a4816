// Sequences after a real import: the application's next INSERT gets a fresh value for sequences
// owned by nothing or shared, descending ones, numbers embedded in text, and inheritance trees;
// a dry run and a blocked import move nothing.
#include "pgtote/sequence_sync.h"

#include <doctest/doctest.h>

#include <algorithm>

#include "pgtote/importer.h"
#include "test_db.h"

using namespace pgtote;

namespace {

struct Imported {
  ImportResult result;
  std::vector<std::string> notes;

  bool noted(const std::string& text) const {
    return std::any_of(notes.begin(), notes.end(),
                       [&](const std::string& n) { return n.find(text) != std::string::npos; });
  }
};

// tests/fixtures/sequences.sql in a source, its snapshot, and a schema-only target whose
// sequences are fresh (pg_dump -s carries no sequence positions).
struct SequenceRoundTrip {
  test::TestDatabase source, target;
  std::string path = test::temp_path("sequences.json");
  SequenceRoundTrip() {
    source.load_fixture("sequences.sql");
    test::copy_schema(source, target);
    test::export_database(source, path);
  }

  Imported import(bool dry_run = false, const std::string& conninfo = "") const {
    Imported imported;
    ImportOptions options;
    options.target = {conninfo.empty() ? target.conninfo() : conninfo, "test"};
    options.snapshot_path = path;
    options.progress = false;
    options.dry_run = dry_run;
    imported.result = run_import(options, [&](const std::string& note) { imported.notes.push_back(note); });
    return imported;
  }

  // Every target sequence's last value ("fresh" before its first nextval or setval).
  std::string positions() const {
    return target.query_value(
        "SELECT string_agg(relname || '=' || COALESCE(pg_sequence_last_value(oid)::text, 'fresh'), ' ' "
        "ORDER BY relname) FROM pg_class WHERE relkind = 'S'");
  }
};

}  // namespace

TEST_CASE("a sequence owned by nothing and shared by two tables ends above both tables' keys [db]") {
  SequenceRoundTrip rt;
  Imported imported = rt.import();
  REQUIRE(imported.result.ok);
  CHECK(imported.noted("moved sequence \"public\".\"shared_id\" up to 5"));
  // The application's next inserts, into either table.
  CHECK(rt.target.query_value("INSERT INTO invoice (note) VALUES ('new') RETURNING id") == "6");
  CHECK(rt.target.query_value("INSERT INTO credit_note DEFAULT VALUES RETURNING id") == "7");
}

TEST_CASE("a descending sequence moves down past the lowest key, never up, never past minvalue [db]") {
  SequenceRoundTrip rt;
  // The target's tight_id may go no lower than -2, but the snapshot holds -3: named, not moved.
  rt.target.exec("ALTER SEQUENCE tight_id MINVALUE -2");
  Imported imported = rt.import();
  REQUIRE(imported.result.ok);
  CHECK(imported.noted("moved sequence \"public\".\"refund_id\" down to -5"));
  CHECK(imported.noted(
      "could not place sequence \"public\".\"tight_id\": the imported values reach -3, below its minvalue -2"));
  CHECK(rt.target.query_value("INSERT INTO refund (amount) VALUES (6) RETURNING id") == "-6");
  CHECK(rt.target.query_value("SELECT last_value || '/' || is_called FROM tight_id") == "-1/false");

  // Already further down: stays there.
  rt.target.exec("SELECT setval('refund_id', -100)");
  REQUIRE(rt.import().result.ok);
  CHECK(rt.target.query_value("SELECT last_value FROM refund_id") == "-100");

  // With the snapshot's own bounds, the sequence lands on its minvalue and says it is used up.
  SequenceRoundTrip same_bounds;
  Imported full = same_bounds.import();
  REQUIRE(full.result.ok);
  CHECK(full.noted("moved sequence \"public\".\"tight_id\" down to -3 (no value is left above its minvalue -3"));
}

TEST_CASE("numbers embedded in a text default import fine and are placed from the digits [db]") {
  SequenceRoundTrip rt;
  Imported imported = rt.import();
  REQUIRE(imported.result.ok);
  CHECK(imported.noted("moved sequence \"public\".\"order_no_seq\" up to 3"));
  // A shape pgtote cannot read back is named with the column and why, and does not fail the import.
  CHECK(
      imported.noted("could not place sequence \"public\".\"label_seq\" for public.purchase.label: its values "
                     "are embedded in text"));
  CHECK(imported.noted("set it with setval('\"public\".\"label_seq\"', n) yourself"));
  CHECK(rt.target.query_value("INSERT INTO purchase DEFAULT VALUES RETURNING order_no") == "ORD-4/A");
  CHECK(rt.target.query_value("SELECT count(*) FROM purchase") == "6");
}

TEST_CASE("inheritance children drawing from the parent's serial: the sequence ends above every child [db]") {
  SequenceRoundTrip rt;
  Imported imported = rt.import();
  REQUIRE(imported.result.ok);
  CHECK(imported.noted("moved sequence \"public\".\"vehicle_id_seq\" up to 4"));
  CHECK(rt.target.query_value("INSERT INTO vehicle (name) VALUES ('new') RETURNING id") == "5");
  CHECK(rt.target.query_value("INSERT INTO car (name, doors) VALUES ('c3', 5) RETURNING id") == "6");
  CHECK(rt.target.query_value("INSERT INTO truck (name) VALUES ('t2') RETURNING id") == "7");
}

TEST_CASE("a dry run lists what would move, and it and a blocked import leave every sequence untouched [db]") {
  SequenceRoundTrip rt;
  std::string before = rt.positions();
  Imported dry = rt.import(true);
  CHECK(dry.result.ok);
  CHECK(dry.noted("would move sequence \"public\".\"shared_id\" up to 5"));
  CHECK(dry.noted("would move sequence \"public\".\"vehicle_id_seq\" up to 4"));
  CHECK(rt.positions() == before);

  // A target row holding a snapshot row's unique order number under another id: a conflict.
  rt.target.exec("INSERT INTO purchase (id, order_no) VALUES (100, 'ORD-1/A')");
  before = rt.positions();
  Imported blocked = rt.import();
  CHECK_FALSE(blocked.result.ok);
  CHECK(blocked.notes.empty());
  CHECK(rt.positions() == before);
  CHECK(rt.target.query_value("SELECT count(*) FROM invoice") == "0");
}

TEST_CASE("a sequence this role may not move is named with the server's reason, and the import still lands [db]") {
  SequenceRoundTrip rt;
  rt.target.exec(
      "DO $$ BEGIN IF NOT EXISTS (SELECT 1 FROM pg_roles WHERE rolname = 'pgtote_sequence_writer') THEN "
      "CREATE ROLE pgtote_sequence_writer LOGIN PASSWORD 'sequence-pw' NOSUPERUSER; END IF; END $$");
  rt.target.exec(
      "GRANT SELECT, INSERT, UPDATE ON ALL TABLES IN SCHEMA public TO pgtote_sequence_writer; "
      "GRANT SELECT, UPDATE ON ALL SEQUENCES IN SCHEMA public TO pgtote_sequence_writer; "
      "REVOKE UPDATE ON SEQUENCE shared_id FROM pgtote_sequence_writer");
  Imported imported =
      rt.import(false, "dbname=" + rt.target.name() + " user=pgtote_sequence_writer password=sequence-pw");
  REQUIRE(imported.result.ok);
  CHECK(imported.noted("could not place sequence \"public\".\"shared_id\": permission denied for sequence shared_id"));
  CHECK(imported.noted("moved sequence \"public\".\"vehicle_id_seq\" up to 4"));  // the others still move
  CHECK(rt.target.query_value("SELECT count(*) FROM invoice") == "3");
  CHECK(rt.target.query_value("SELECT pg_sequence_last_value('shared_id')") == "<null>");
}
