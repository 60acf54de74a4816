// Snapshots travel between server versions: one exported from each major imports into every
// other, row for row, and a second import writes nothing. scripts/test.sh starts one cluster per
// major and names them in PGTOTE_CROSS_SERVERS ("12=host=... port=...;18=host=... port=..."); these
// tests run only then ([cross]), and fail without it.
#include <doctest/doctest.h>

#include <algorithm>
#include <cstdlib>
#include <map>
#include <memory>
#include <sstream>

#include "pgtote/error.h"
#include "pgtote/importer.h"
#include "test_db.h"

using namespace pgtote;

namespace {

// Major -> conninfo prefix of its server.
std::map<int, std::string> cross_servers() {
  const char* list = std::getenv("PGTOTE_CROSS_SERVERS");
  REQUIRE_MESSAGE(list != nullptr,
                  "PGTOTE_CROSS_SERVERS is not set: run the cross-version tests through scripts/test.sh");
  std::map<int, std::string> servers;
  std::stringstream in(list);
  for (std::string item; std::getline(in, item, ';');) {
    size_t equals = item.find('=');
    REQUIRE_MESSAGE(equals != std::string::npos, "PGTOTE_CROSS_SERVERS: no major in " << item);
    servers[std::stoi(item.substr(0, equals))] = item.substr(equals + 1);
  }
  REQUIRE_MESSAGE(servers.size() >= 2, "PGTOTE_CROSS_SERVERS names fewer than two servers: " << list);
  return servers;
}

ImportResult import_into(const test::TestDatabase& db, const std::string& path) {
  ImportOptions options;
  options.target = {db.conninfo(), "test"};
  options.snapshot_path = path;
  options.progress = false;
  return run_import(options, [](const std::string&) {});
}

// One server's side: a source loaded with the fixtures, its snapshot, and a target holding the
// same schema, emptied before each import.
struct Side {
  int major = 0;
  std::unique_ptr<test::TestDatabase> source, target;
  std::string snapshot;
};

}  // namespace

TEST_CASE(
    "a snapshot from any server version imports into any other exactly, and a second import writes nothing [cross]") {
  std::map<int, std::string> servers = cross_servers();
  // Every server holds the schema the oldest can hold, so rows can go anywhere.
  const int oldest = servers.begin()->first;
  const std::vector<std::string> fixtures{"shapes.sql", "kinds.sql", "types.sql", "sequences.sql"};
  std::vector<Side> sides;
  for (const auto& [major, server] : servers) {
    Side side;
    side.major = major;
    side.source = std::make_unique<test::TestDatabase>(server);
    side.target = std::make_unique<test::TestDatabase>(server);
    REQUIRE(side.source->server_version_num() / 10000 == major);
    for (const auto& fixture : fixtures) {
      side.source->load_fixture(fixture, oldest);
      side.target->load_fixture(fixture, oldest);
    }
    side.snapshot = test::temp_path("cross-" + std::to_string(major) + ".json");
    test::export_database(*side.source, side.snapshot, true);
    sides.push_back(std::move(side));
  }
  int pairs = 0;
  for (const Side& from : sides) {
    auto expected = test::table_digests(*from.source);
    for (const Side& to : sides) {
      if (from.major == to.major) continue;
      std::string pair = "PostgreSQL " + std::to_string(from.major) + " -> PostgreSQL " + std::to_string(to.major);
      CAPTURE(pair);
      test::empty_database(*to.target);
      try {
        ImportResult first = import_into(*to.target, from.snapshot);
        CHECK(first.ok);
        CHECK(first.problems.empty());
        CHECK(first.drift.empty());
        CHECK(first.totals.inserted > 0);
        auto digests = test::table_digests(*to.target);
        std::string differing;
        for (const auto& [table, digest] : expected)
          if (digests[table] != digest)
            differing += " " + table + " (" + digest + " there, " + digests[table] + " here)";
        CHECK_MESSAGE(differing.empty(), "rows differ in" << differing);
        CHECK(digests.size() == expected.size());
        ImportResult second = import_into(*to.target, from.snapshot);
        CHECK(second.ok);
        CHECK(second.totals.inserted == 0);
        CHECK(second.totals.updated == 0);
        CHECK(second.totals.unchanged == first.totals.inserted);
      } catch (const Error& error) {
        FAIL("import threw (exit code " << static_cast<int>(error.code()) << "): " << std::string(error.what()));
      }
      ++pairs;
    }
  }
  CHECK(pairs == static_cast<int>(sides.size() * (sides.size() - 1)));
  MESSAGE(pairs << " version pairs round-tripped");
}
