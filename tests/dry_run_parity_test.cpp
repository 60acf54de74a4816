// The dry run's promise, through the binary: its verdict, counts and exit code are what the import
// then does. Each case (tests/fixtures/parity/) gives the target a rule the source lacks; a refusal
// must be found before any write, named (constraint or index, and table), carry none of pgtote's
// SQL, and leave the target, its sequences included, exactly as it was.
#include <doctest/doctest.h>
#include <unistd.h>

#include <map>
#include <regex>
#include <sstream>
#include <string>
#include <vector>

#include "test_db.h"

using namespace pgtote;
using test::run_pgtote;

namespace {

// A fixture's parts: the schema both sides share, then what only the source and only the target get.
struct FixtureParts {
  std::string shared, source, target;
};

FixtureParts read_parts(const std::string& name) {
  std::istringstream in(test::read_file(std::string(PGTOTE_FIXTURES) + "/parity/" + name));
  REQUIRE_MESSAGE(!in.str().empty(), "missing fixture parity/" << name);
  FixtureParts parts;
  std::string* into = &parts.shared;
  for (std::string line; std::getline(in, line);) {
    if (line == "-- @source")
      into = &parts.source;
    else if (line == "-- @target")
      into = &parts.target;
    else
      *into += line + "\n";
  }
  return parts;
}

// A source and a target loaded from one fixture, and the source's snapshot (exported by the binary).
struct ParityCase {
  test::TestDatabase source, target;
  std::string snapshot = test::temp_path("parity.json");

  explicit ParityCase(const std::string& fixture) {
    FixtureParts parts = read_parts(fixture);
    source.exec(parts.shared + parts.source);
    target.exec(parts.shared + parts.target);
    auto r = run_pgtote({"export", "--source", source.conninfo(), "-o", snapshot, "-q"});
    REQUIRE_MESSAGE(r.exit_code == 0, r.err);
  }
};

// One table's line of a --report file.
struct Counts {
  long inserted = -1, updated = -1, unchanged = -1, skipped = -1, conflicts = -1, errors = -1;
  bool operator==(const Counts&) const = default;
};

std::ostream& operator<<(std::ostream& out, const Counts& c) {
  return out << "inserted " << c.inserted << ", updated " << c.updated << ", unchanged " << c.unchanged << ", skipped "
             << c.skipped << ", conflicts " << c.conflicts << ", errors " << c.errors;
}

struct Report {
  bool present = false, ok = false;
  std::map<std::string, Counts> tables;
};

Report read_report(const std::string& path) {
  Report report;
  if (!test::file_exists(path)) return report;
  std::string json = test::read_file(path);
  report.present = true;
  report.ok = json.find("\"ok\":true") != std::string::npos;
  static const std::regex table(
      R"re(\{"schema":"([^"]*)","name":"([^"]*)","inserted":(\d+),"updated":(\d+),"unchanged":(\d+),"skipped":(\d+),"conflicts":(\d+),"errors":(\d+))re");
  for (std::sregex_iterator it(json.begin(), json.end(), table), end; it != end; ++it) {
    const auto& m = *it;
    report.tables[m[1].str() + "." + m[2].str()] = {std::stol(m[3]), std::stol(m[4]), std::stol(m[5]),
                                                    std::stol(m[6]), std::stol(m[7]), std::stol(m[8])};
  }
  return report;
}

// The problem lines below "problems found:" (the header differs between dry run and import).
std::vector<std::string> problem_lines(const std::string& err) {
  std::vector<std::string> lines;
  std::istringstream in(err);
  bool inside = false;
  for (std::string line; std::getline(in, line);) {
    if (line.find("problems found:") != std::string::npos || line.find("found by the checks") != std::string::npos) {
      inside = true;
      continue;
    }
    if (inside && line.empty()) break;
    if (inside) lines.push_back(line);
  }
  return lines;
}

struct Run {
  test::RunResult result;
  Report report;
};

// The dry run, then the import, of the case's snapshot into its target (as `conninfo`), with the
// target's digest before, after the dry run and after the import.
struct Pair {
  Run dry, import;
  std::map<std::string, std::string> before, after_dry, after_import;
};

Run run_import(const ParityCase& c, const std::string& conninfo, const std::vector<std::string>& extra, bool dry) {
  std::string report = test::temp_path(dry ? "dry-report.json" : "import-report.json");
  std::vector<std::string> args = {"import", c.snapshot, "--target", conninfo, "--report", report};
  if (dry) args.push_back("--dry-run");
  args.insert(args.end(), extra.begin(), extra.end());
  Run run;
  run.result = run_pgtote(args);
  // A dry run's report is on stdout, its notes on stderr: compare what the terminal shows, both.
  if (dry) run.result.err += run.result.out;
  run.report = read_report(report);
  return run;
}

Pair dry_then_import(const ParityCase& c, const std::vector<std::string>& extra = {}, std::string conninfo = "") {
  if (conninfo.empty()) conninfo = c.target.conninfo();
  Pair p;
  p.before = test::table_digests(c.target);
  p.dry = run_import(c, conninfo, extra, true);
  p.after_dry = test::table_digests(c.target);
  p.import = run_import(c, conninfo, extra, false);
  p.after_import = test::table_digests(c.target);
  return p;
}

Counts counts_of(const Run& run, const std::string& table) {
  auto it = run.report.tables.find(table);
  return it == run.report.tables.end() ? Counts{} : it->second;
}

void show(const Pair& p) {
  MESSAGE("dry run: exit " << p.dry.result.exit_code << "\n"
                           << p.dry.result.err << "import: exit " << p.import.result.exit_code << "\n"
                           << p.import.result.err);
}

bool has(const std::string& text, const std::string& part) { return text.find(part) != std::string::npos; }

// Both runs named the failure the same way: no raw server error, no SQL, the named parts present.
bool check_named(const Pair& p, const std::vector<std::string>& names) {
  bool named = true;
  for (const Run* run : {&p.dry, &p.import}) {
    const std::string& err = run->result.err;
    std::string which = run == &p.dry ? "dry run" : "import";
    named = named && !has(err, "SQL:") && !has(err, "pgtote: error:");
    CHECK_MESSAGE(!has(err, "SQL:"), which << " shows pgtote's SQL");
    CHECK_MESSAGE(!has(err, "pgtote: error:"), which << " ends in a raw error instead of a named problem");
    for (const auto& name : names) {
      named = named && has(err, name);
      CHECK_MESSAGE(has(err, name), which << " does not name " << name);
    }
  }
  return named;
}

// The refusal: exit 7 both, named alike, the same problems and the same skipped/conflict/error
// counts, and the target untouched by either run.
void check_refused_alike(const Pair& p, const std::vector<std::string>& names) {
  bool failed = false;
  auto check = [&](bool ok, const char* what) {
    if (!ok) {
      failed = true;
      FAIL_CHECK(std::string(what));
    }
  };
  check(p.dry.result.exit_code == 7, "the dry run does not exit 7");
  check(p.import.result.exit_code == 7, "the import does not exit 7");
  check(p.after_dry == p.before, "the dry run changed the target");
  check(p.after_import == p.before, "the refused import changed the target");
  check(!problem_lines(p.import.result.err).empty(), "the import lists no problem");
  check(problem_lines(p.dry.result.err) == problem_lines(p.import.result.err),
        "the dry run and the import list different problems");
  check(p.dry.report.present && p.import.report.present, "a --report file is missing");
  check(!p.dry.report.ok && !p.import.report.ok, "a report says ok");
  for (const auto& [table, counts] : p.import.report.tables) {
    Counts d = counts_of(p.dry, table);
    if (d.skipped != counts.skipped || d.conflicts != counts.conflicts || d.errors != counts.errors) {
      failed = true;
      FAIL_CHECK(table << ": dry run {" << d << "} vs import {" << counts << "}");
    }
  }
  check(p.dry.report.tables.size() == p.import.report.tables.size(), "the reports list different tables");
  if (!check_named(p, names)) failed = true;
  if (failed) show(p);
}

// The success: exit 0 both, the same counts per table, and the dry run wrote nothing.
void check_succeeded_alike(const Pair& p) {
  bool failed = false;
  auto check = [&](bool ok, const char* what) {
    if (!ok) {
      failed = true;
      FAIL_CHECK(std::string(what));
    }
  };
  check(p.dry.result.exit_code == 0, "the dry run does not exit 0");
  check(p.import.result.exit_code == 0, "the import does not exit 0");
  check(p.after_dry == p.before, "the dry run changed the target");
  check(p.dry.report.present && p.import.report.present, "a --report file is missing");
  check(p.dry.report.ok && p.import.report.ok, "a report does not say ok");
  check(!has(p.dry.result.err, "SQL:") && !has(p.import.result.err, "SQL:"), "pgtote's SQL is shown");
  check(p.dry.report.tables.size() == p.import.report.tables.size(), "the reports list different tables");
  for (const auto& [table, counts] : p.import.report.tables) {
    Counts d = counts_of(p.dry, table);
    if (!(d == counts)) {
      failed = true;
      FAIL_CHECK(table << ": dry run {" << d << "} vs import {" << counts << "}");
    }
  }
  if (failed) show(p);
}

}  // namespace

TEST_CASE("parity: a unique index with a predicate (soft delete) is named, before any write [db]") {
  ParityCase c("soft_delete.sql");
  Pair p = dry_then_import(c);
  check_refused_alike(p, {"account_live_email", "public.account"});
}

TEST_CASE("parity: a unique expression index on lower(email) is named, before any write [db]") {
  ParityCase c("lower_email.sql");
  Pair p = dry_then_import(c);
  check_refused_alike(p, {"member_lower_email", "public.member"});
}

TEST_CASE("parity: an exclusion constraint on overlapping ranges is named, before any write [db]") {
  ParityCase c("exclusion.sql");
  Pair p = dry_then_import(c);
  check_refused_alike(p, {"booking_no_overlap", "public.booking"});
}

TEST_CASE("parity: an exclusion constraint on (room WITH =, during WITH &&) is named, before any write [db]") {
  test::TestDatabase probe;
  REQUIRE_MESSAGE(probe.query_value("SELECT count(*) FROM pg_available_extensions WHERE name = 'btree_gist'") == "1",
                  "btree_gist is not installed (postgresql-contrib)");
  ParityCase c("exclusion_room.sql");
  Pair p = dry_then_import(c);
  check_refused_alike(p, {"room_booking_no_double", "public.room_booking"});
}

TEST_CASE("parity: UNIQUE NULLS NOT DISTINCT with colliding NULLs is named, before any write [db]") {
  test::TestDatabase probe;
  if (!test::server_has(probe, 15, "UNIQUE NULLS NOT DISTINCT")) {
    CHECK_THROWS(probe.exec("CREATE TABLE t (code text UNIQUE NULLS NOT DISTINCT)"));  // truly absent there
    return;
  }
  ParityCase c("nulls_not_distinct.sql");
  Pair p = dry_then_import(c);
  check_refused_alike(p, {"voucher_code_key", "public.voucher"});
}

TEST_CASE("parity: a CHECK constraint only the target has is named, before any write [db]") {
  ParityCase c("check_only_target.sql");
  Pair p = dry_then_import(c);
  check_refused_alike(p, {"product_price_positive", "public.product"});
}

TEST_CASE("parity: duplicates within the snapshot on a unique key only the target has are named [db]") {
  ParityCase c("snapshot_duplicates.sql");
  Pair p = dry_then_import(c);
  check_refused_alike(p, {"customer_email_key", "public.customer"});
}

TEST_CASE("parity: a deferred foreign key is found before COMMIT, named, and no sequence moves [db]") {
  ParityCase c("deferred_fk.sql");
  std::string sequences =
      "SELECT (SELECT last_value FROM parent_id_seq) || '/' || (SELECT last_value FROM child_id_seq)";
  std::string before = c.target.query_value(sequences);
  Pair p = dry_then_import(c);
  check_refused_alike(p, {"child_parent_deferred", "public.child"});
  CHECK(c.target.query_value(sequences) == before);
}

TEST_CASE("parity: a deferred unique constraint is found before COMMIT, named, and no sequence moves [db]") {
  ParityCase c("deferred_unique.sql");
  std::string sequence = "SELECT last_value FROM ticket_id_seq";
  std::string before = c.target.query_value(sequence);
  Pair p = dry_then_import(c);
  check_refused_alike(p, {"ticket_code_deferred", "public.ticket"});
  CHECK(c.target.query_value(sequence) == before);
}

TEST_CASE(
    "parity: a deferred unique broken by two snapshot rows is found at the deferred check, named, no sequence moves "
    "[db]") {
  ParityCase c("deferred_unique_in_snapshot.sql");
  std::string sequence = "SELECT last_value || '/' || is_called FROM voucher_batch_id_seq";
  std::string before = c.target.query_value(sequence);
  Pair p = dry_then_import(c);
  check_refused_alike(p, {"voucher_batch_code_deferred", "public.voucher_batch"});
  CHECK(c.target.query_value(sequence) == before);
}

TEST_CASE(
    "parity: a deferred MATCH FULL foreign key broken by a half-NULL reference is named, no sequence moves [db]") {
  ParityCase c("deferred_fk_match_full.sql");
  std::string sequence = "SELECT last_value || '/' || is_called FROM shop_id_seq";
  std::string before = c.target.query_value(sequence);
  Pair p = dry_then_import(c);
  check_refused_alike(p, {"shop_region_full", "public.shop"});
  CHECK(c.target.query_value(sequence) == before);
}

TEST_CASE("parity: rows hidden by the target's row-level security refuse alike, named [db]") {
  ParityCase c("row_security.sql");
  test::TestRole role(c.target, "pgtote_parity", "NOSUPERUSER NOBYPASSRLS");
  c.target.exec("GRANT SELECT, INSERT, UPDATE ON document TO " + role.name());
  REQUIRE(c.target.query_value("SELECT count(*) FROM document") == "2");
  Pair p = dry_then_import(c, {}, role.conninfo());
  check_refused_alike(p, {"public.document"});
  // The refusal says why: a key the role cannot see, or row-level security itself.
  for (const Run* run : {&p.dry, &p.import}) {
    const std::string& err = run->result.err;
    CHECK_MESSAGE((has(err, "document_pkey") || has(err, "document_email_key") || has(err, "row-level security")),
                  (run == &p.dry ? "dry run" : "import") << " names neither the key nor row-level security");
  }
}

TEST_CASE("parity: a role that may insert but not update imports new rows, and refuses an update alike [db]") {
  ParityCase c("insert_only_role.sql");
  test::TestRole role(c.target, "pgtote_parity", "NOSUPERUSER NOBYPASSRLS");
  c.target.exec("GRANT SELECT, INSERT ON tag TO " + role.name());

  SUBCASE("every snapshot row is new or identical: both succeed") {
    Pair p = dry_then_import(c, {}, role.conninfo());
    check_succeeded_alike(p);
    CHECK(counts_of(p.import, "public.tag") == Counts{2, 0, 1, 0, 0, 0});
    CHECK(c.target.query_value("SELECT string_agg(id || '=' || label, ',' ORDER BY id) FROM tag") ==
          "1=one,2=two,3=three,50=target only");
  }
  SUBCASE("a snapshot row needs an update: both refuse the same way, naming the table") {
    c.target.exec("UPDATE tag SET label = 'uno' WHERE id = 1");
    Pair p = dry_then_import(c, {}, role.conninfo());
    bool alike = p.dry.result.exit_code == p.import.result.exit_code && p.import.result.exit_code == 7 &&
                 p.after_dry == p.before && p.after_import == p.before && !problem_lines(p.import.result.err).empty() &&
                 problem_lines(p.dry.result.err) == problem_lines(p.import.result.err);
    CHECK_MESSAGE(alike, "the dry run and the import do not refuse alike with exit 7, target unchanged");
    if (!check_named(p, {"public.tag", "permission denied"}) || !alike) show(p);
  }
}

TEST_CASE("parity: a target trigger that raises for some rows is named, before any write [db]") {
  ParityCase c("trigger_raises.sql");
  Pair p = dry_then_import(c);
  check_refused_alike(p, {"public.signup", "signup name banned-bob is banned"});
}

TEST_CASE("parity: an inheritance parent with DO INSTEAD rules and no rows of its own imports [db]") {
  ParityCase c("rule_partitioning.sql");
  Pair p = dry_then_import(c);
  check_succeeded_alike(p);
  CHECK(counts_of(p.import, "public.measurement") == Counts{0, 0, 0, 0, 0, 0});
  CHECK(counts_of(p.import, "public.measurement_2024") == Counts{1, 1, 0, 0, 0, 0});
  CHECK(counts_of(p.import, "public.measurement_2025") == Counts{1, 0, 0, 0, 0, 0});
  CHECK(c.target.query_value("SELECT string_agg(id || ':' || reading, ',' ORDER BY id) FROM measurement") ==
        "1:10,2:20,3:30,9:99");
  CHECK(c.target.query_value("SELECT count(*) FROM ONLY measurement") == "0");
}

TEST_CASE("parity: no false conflict when two rows swap a deferrable unique (list_id, position) [db]") {
  ParityCase c("position_swap.sql");
  Pair p = dry_then_import(c);
  check_succeeded_alike(p);
  CHECK(counts_of(p.import, "public.list_item") == Counts{0, 2, 0, 0, 0, 0});
  CHECK(test::table_digests(c.target)["public.list_item"] == test::table_digests(c.source)["public.list_item"]);
}

TEST_CASE("parity: no false conflict when a unique value moves from an updated row to a new row [db]") {
  ParityCase c("unique_moves.sql");
  Pair p = dry_then_import(c);
  check_succeeded_alike(p);
  CHECK(counts_of(p.import, "public.person") == Counts{1, 1, 0, 0, 0, 0});
  CHECK(test::table_digests(c.target)["public.person"] == test::table_digests(c.source)["public.person"]);
}

TEST_CASE("parity: --skip-conflicts skips the row a predicate index refuses and imports the rest [db]") {
  ParityCase c("soft_delete.sql");
  Pair p = dry_then_import(c, {"--skip-conflicts"});
  check_succeeded_alike(p);
  CHECK(counts_of(p.import, "public.account") == Counts{2, 0, 0, 1, 1, 0});
  CHECK(c.target.query_value("SELECT string_agg(id::text, ',' ORDER BY id) FROM account") == "2,3,10,11");
}

TEST_CASE("parity: --skip-conflicts skips the row an expression index refuses and imports the rest [db]") {
  ParityCase c("lower_email.sql");
  Pair p = dry_then_import(c, {"--skip-conflicts"});
  check_succeeded_alike(p);
  CHECK(counts_of(p.import, "public.member") == Counts{1, 0, 0, 1, 1, 0});
  CHECK(c.target.query_value("SELECT string_agg(id::text, ',' ORDER BY id) FROM member") == "2,10");
}
