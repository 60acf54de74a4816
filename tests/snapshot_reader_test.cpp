// The snapshot reader on written, re-indented and damaged snapshots.
#include "pgtote/snapshot_reader.h"

#include <doctest/doctest.h>

#include <fstream>

#include "pgtote/error.h"
#include "test_db.h"

using namespace pgtote;

namespace {
const char* sample =
    R"({"format":"pgtote-snapshot","version":1,"tool":"pgtote 0.1.0","exported_at":"2026-01-01T00:00:00Z",
"source":{"server_version":"15.18","database":"app"},
"order":[["public","a"],["public","b c"]],
"components":[[1]],
"tables":[
{"schema":"public","name":"a",
"columns":[
 {"name":"id","type":"integer","encoding":"number","nullable":false,"default":null,"identity":"always","generated":null,"sequence":"\"public\".\"a_id_seq\""},
 {"name":"tags","type":"text[]","encoding":"array","element_encoding":"text","nullable":true,"default":null,"identity":null,"generated":null,"sequence":null}],
"primary_key":["id"],
"unique_keys":[{"name":"a_u","columns":["tags"],"index_only":true}],
"foreign_keys":[],
"rows":[
[1,["x","y,z",null]],
[2,null]
],
"row_count":2},
{"schema":"public","name":"b c",
"columns":[
 {"name":"id","type":"bigint","encoding":"bigint","nullable":false,"default":null,"identity":null,"generated":null,"sequence":null}],
"primary_key":["id"],
"unique_keys":[],
"foreign_keys":[{"name":"f","columns":["id"],"references":{"schema":"public","table":"b c","columns":["id"]},"deferrable":false}],
"rows":[
["9223372036854775807"]
],
"row_count":1}
]}
)";

std::string write(const std::string& text) {
  std::string path = test::temp_path("snapshot.json");
  std::ofstream(path, std::ios::binary) << text;
  return path;
}

// Values by content: re-indentation may change an array's raw text, not its items.
std::string describe(const JsonValue& v) {
  if (v.type != JsonValue::Type::array) return v.raw;
  std::string out = "[";
  for (const auto& item : v.items) out += describe(item) + ",";
  return out + "]";
}

std::vector<std::string> summary(const std::string& path, size_t window = 1 << 20) {
  SnapshotReader reader(path, window);
  std::vector<std::string> out;
  Table table;
  while (reader.next_table(table)) {
    std::vector<JsonValue> row;
    out.push_back(table.qualified_name() + ":" + std::to_string(table.columns.size()));
    while (reader.next_row(row)) {
      std::string line;
      for (const auto& v : row) line += describe(v) + "|";
      out.push_back(line);
    }
  }
  return out;
}

ExitCode failure_of(const std::string& text, std::string* message = nullptr) {
  try {
    summary(write(text));
  } catch (const Error& e) {
    if (message) *message = e.what();
    return e.code();
  }
  return ExitCode::ok;
}
}  // namespace

TEST_CASE("reads header, table descriptions and rows") {
  std::string path = write(sample);
  SnapshotReader reader(path);
  CHECK(reader.info().database == "app");
  CHECK(reader.info().filtered_by_row_security.empty());  // a snapshot without the key: read whole
  CHECK(reader.info().order.size() == 2);
  CHECK(reader.info().components == std::vector<std::vector<size_t>>{{1}});
  Table table;
  REQUIRE(reader.next_table(table));
  CHECK(table.columns[0].identity == "always");
  CHECK(table.columns[0].sequence == "\"public\".\"a_id_seq\"");
  CHECK(table.columns[1].encoding == Encoding::array);
  CHECK_FALSE(table.unique_keys[0].constraint);
  std::vector<JsonValue> row;
  REQUIRE(reader.next_row(row));
  REQUIRE(row[1].items.size() == 3);
  CHECK(row[1].items[1].text == "y,z");
  CHECK(row[1].items[2].type == JsonValue::Type::null);
  REQUIRE(reader.next_row(row));
  CHECK_FALSE(reader.next_row(row));
  CHECK(reader.recorded_row_count() == 2);
  REQUIRE(reader.next_table(table));
  CHECK(table.foreign_keys[0].ref_table == "b c");
  CHECK(reader.skip_rows() == 1);
  CHECK_FALSE(reader.next_table(table));
}

TEST_CASE("a re-indented snapshot reads the same") {
  std::string compact = write(sample);
  std::string pretty = test::temp_path("pretty.json");
  REQUIRE(std::system(("python3 -m json.tool " + compact + " > " + pretty).c_str()) == 0);
  CHECK(test::read_file(pretty).find("\n        ") != std::string::npos);
  CHECK(summary(pretty) == summary(compact));
}

TEST_CASE("a snapshot larger than the read buffer streams row by row") {
  std::string text = R"({"format":"pgtote-snapshot","version":1,"tables":[{"schema":"s","name":"t",)"
                     R"("columns":[{"name":"v","type":"text","encoding":"text"}],"rows":[)";
  std::string big(3000, 'x');
  for (int i = 0; i < 2000; ++i) text += (i ? ",\n[\"" : "\n[\"") + big + std::to_string(i) + "\"]";
  text += "],\"row_count\":2000}]}";
  auto rows = summary(write(text));
  REQUIRE(rows.size() == 2001);
  CHECK(rows[2000] == "\"" + big + "1999\"|");
}

TEST_CASE("damaged snapshots are refused with the place and a reason") {
  std::string message;
  CHECK(failure_of("", &message) == ExitCode::bad_snapshot);
  CHECK(message.find("empty") != std::string::npos);
  CHECK(failure_of("not json at all") == ExitCode::bad_snapshot);
  CHECK(failure_of("[1,2,3]") == ExitCode::bad_snapshot);
  CHECK(failure_of(R"({"format":"other","version":1,"tables":[]})") == ExitCode::bad_snapshot);
  CHECK(failure_of(R"({"format":"pgtote-snapshot","version":99,"tables":[]})", &message) == ExitCode::bad_snapshot);
  CHECK(message.find("version 99") != std::string::npos);
  std::string text = sample;
  CHECK(failure_of(text.substr(0, text.size() / 2), &message) == ExitCode::bad_snapshot);
  CHECK(message.find("truncated") != std::string::npos);
  CHECK(message.find("byte") != std::string::npos);
  std::string wrong_count = text;
  wrong_count.replace(wrong_count.find("\"row_count\":2"), 13, "\"row_count\":5");
  CHECK(failure_of(wrong_count, &message) == ExitCode::bad_snapshot);
  CHECK(message.find("public.a") != std::string::npos);
  std::string garbled = text;
  garbled.replace(garbled.find("[2,null]"), 8, "[2,nul!]");
  CHECK(failure_of(garbled, &message) == ExitCode::bad_snapshot);
  CHECK(message.find("row 2") != std::string::npos);
}

TEST_CASE("parse_json_value keeps exact number text and nested raw JSON") {
  JsonValue v = parse_json_value(R"({"a": 123456789012345678901234567890.5})");
  CHECK(v.type == JsonValue::Type::object);
  CHECK(v.raw == R"({"a": 123456789012345678901234567890.5})");
  CHECK(parse_json_value("123456789012345678901234567890").raw == "123456789012345678901234567890");
  CHECK_THROWS_AS(parse_json_value("[1,"), Error);
}

TEST_CASE("any read window gives the same result: the snapshot is never one document [db]") {
  test::TestDatabase db;
  db.load_fixture("shapes.sql");
  db.load_fixture("types.sql");
  std::string path = test::temp_path("windows.json");
  test::export_database(db, path);
  auto whole = summary(path);
  CHECK(whole.size() > 30);
  for (size_t window : {1, 7, 64, 4096}) {
    CAPTURE(window);
    CHECK(summary(path, window) == whole);
  }
}

TEST_CASE("the header's filtered_by_row_security names tables, and a malformed one is refused") {
  std::string text = sample;
  std::string marked = text;
  marked.insert(marked.find("\"order\""), "\"filtered_by_row_security\":[[\"public\",\"b c\"]],\n");
  SnapshotReader reader(write(marked));
  CHECK(reader.info().filtered_by_row_security == std::vector<std::pair<std::string, std::string>>{{"public", "b c"}});
  CHECK(summary(write(marked)) == summary(write(text)));

  std::string message;
  std::string bad = text;
  bad.insert(bad.find("\"order\""), "\"filtered_by_row_security\":true,\n");
  CHECK(failure_of(bad, &message) == ExitCode::bad_snapshot);
  CHECK(message.find("filtered_by_row_security") != std::string::npos);
}
