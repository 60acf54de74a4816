// Value encoding: unit cases, then every built-in type family round-tripped against the server's
// own text output (tests/fixtures/types.sql).
#include "pgtote/value_codec.h"

#include <doctest/doctest.h>

#include "pgtote/catalog.h"
#include "pgtote/snapshot_reader.h"
#include "pgtote/sql_quote.h"
#include "test_db.h"

using namespace pgtote;

namespace {
std::string encode(Encoding e, std::string_view text, Encoding element = Encoding::text) {
  return json_to_string([&](JsonWriter& out) { encode_value(e, element, text, out); });
}
std::string decode(Encoding e, const std::string& json, Encoding element = Encoding::text) {
  std::string out;
  if (!decode_value(e, element, parse_json_value(json), out)) return "<NULL>";
  return out;
}
}  // namespace

TEST_CASE("numbers JSON holds exactly stay numbers, others become strings") {
  CHECK(encode(Encoding::number, "-32768") == "-32768");
  CHECK(encode(Encoding::bigint, "9007199254740991") == "9007199254740991");
  CHECK(encode(Encoding::bigint, "-9007199254740991") == "-9007199254740991");
  CHECK(encode(Encoding::bigint, "9007199254740992") == "\"9007199254740992\"");
  CHECK(encode(Encoding::bigint, "-9223372036854775808") == "\"-9223372036854775808\"");
  CHECK(encode(Encoding::floating, "1.5e-07") == "1.5e-07");
  CHECK(encode(Encoding::floating, "NaN") == "\"NaN\"");
  CHECK(encode(Encoding::floating, "-Infinity") == "\"-Infinity\"");
  CHECK(encode(Encoding::text, "12.50") == "\"12.50\"");
  CHECK(encode(Encoding::boolean, "t") == "true");
  CHECK(encode(Encoding::json, "{\"a\": [1, 2]}") == "{\"a\": [1, 2]}");
  CHECK(encode(Encoding::base64, "\\x00ff10") == "\"AP8Q\"");
  // A json value that is JSON null must not read back as SQL NULL.
  CHECK(encode(Encoding::json, "null") == R"({"$pgtote":"json-null"})");
  CHECK(decode(Encoding::json, encode(Encoding::json, "null")) == "null");
  CHECK(decode(Encoding::json, R"({"$pgtote": "json-null"})") == "null");
  CHECK(decode(Encoding::json, "null") == "<NULL>");
}

TEST_CASE("arrays become nested JSON arrays of their element encoding") {
  CHECK(encode(Encoding::array, "{1,NULL,3}", Encoding::number) == "[1,null,3]");
  CHECK(encode(Encoding::array, "{{1,2},{3,4}}", Encoding::number) == "[[1,2],[3,4]]");
  CHECK(encode(Encoding::array, "{a,\"b c\",\"NULL\",\"q\\\"s\"}") == "[\"a\",\"b c\",\"NULL\",\"q\\\"s\"]");
  CHECK(encode(Encoding::array, "{}", Encoding::number) == "[]");
  CHECK(encode(Encoding::array, "[0:1]={7,8}", Encoding::number) == "\"[0:1]={7,8}\"");
  CHECK(encode(Encoding::array, "{\"\\\\x00\"}", Encoding::base64) == "[\"AA==\"]");
}

TEST_CASE("decoding restores the text form and rejects values of the wrong JSON type") {
  CHECK(decode(Encoding::bigint, "\"9223372036854775807\"") == "9223372036854775807");
  CHECK(decode(Encoding::base64, "\"AP8Q\"") == "\\x00ff10");
  CHECK(decode(Encoding::array, "[[\"1\",null],[\"a\\\"\",\"\"]]") == "{{\"1\",NULL},{\"a\\\"\",\"\"}}");
  CHECK(decode(Encoding::json, "{\"a\" :  1}") == "{\"a\" :  1}");
  CHECK(decode(Encoding::text, "null") == "<NULL>");
  CHECK_THROWS_AS(decode(Encoding::number, "\"12\""), std::invalid_argument);
  CHECK_THROWS_AS(decode(Encoding::boolean, "1"), std::invalid_argument);
  CHECK_THROWS_AS(decode(Encoding::base64, "\"A\""), std::invalid_argument);
}

TEST_CASE("base64 round trip over every byte value") {
  std::string bytes;
  for (int i = 0; i < 256; ++i) bytes += static_cast<char>(i);
  for (size_t n : {0, 1, 2, 3, 100, 256}) CHECK(base64_decode(base64_encode(bytes.substr(0, n))) == bytes.substr(0, n));
}

TEST_CASE("every built-in type family round-trips against the server's text output [db]") {
  test::TestDatabase db;
  db.load_fixture("types.sql");
  Connection c = db.connect();
  c.exec("SET extra_float_digits = 1; SET bytea_output = 'hex'; SET timezone = 'UTC'; SET datestyle = 'ISO, YMD'");
  std::vector<Table> tables = read_catalog(c);
  REQUIRE(tables.size() == 1);
  const Table& table = tables[0];
  int checked = 0;
  for (const Column& column : table.columns) {
    Result rows = c.exec("SELECT " + quote_ident(column.name) + "::text FROM every_type ORDER BY id");
    for (int r = 0; r < rows.rows(); ++r) {
      CAPTURE(column.name);
      CAPTURE(column.type);
      std::string json = rows.is_null(r, 0) ? "null" : json_to_string([&](JsonWriter& out) {
        encode_value(column.encoding, column.element_encoding, rows.value(r, 0), out);
      });
      CAPTURE(json);
      std::string decoded;
      bool not_null = decode_value(column.encoding, column.element_encoding, parse_json_value(json), decoded);
      CHECK(not_null == !rows.is_null(r, 0));
      if (!not_null) continue;
      // The server reads the decoded text back to exactly its original text form.
      Result back = c.exec("SELECT $1::" + column.type + "::text", {decoded});
      CHECK(back.text(0, 0) == rows.text(r, 0));
      ++checked;
    }
  }
  CHECK(checked > 100);
}
