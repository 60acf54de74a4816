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
std::string decode(Encoding e, const std::string& json, Encoding element = Encoding::text,
                   int version = snapshot::format_version) {
  std::string out;
  if (!decode_value(e, element, parse_row_value(json, e), out, version)) return "<NULL>";
  return out;
}
// A json value through the writer and back through the reader.
std::string json_round_trip(const std::string& text) { return decode(Encoding::json, encode(Encoding::json, text)); }
std::string nested(size_t depth, const std::string& open, const std::string& inner, const std::string& close) {
  std::string out;
  for (size_t i = 0; i < depth; ++i) out += open;
  out += inner;
  for (size_t i = 0; i < depth; ++i) out += close;
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

TEST_CASE("json keeps its exact text: lone surrogates, any depth, whitespace, marker look-alikes") {
  for (std::string text :
       {R"("\ud800")", R"({"a":"\udc00x"})", R"(["\udbff", {"k\ud800": "\u0000"}])", R"({"a" : 1, "a": 2})",
        "-0.000e+00", " {\"a\": 1}\n", "\t1", " null ", "null", R"({"$pgtote":"json-null"})",
        R"({ "$pgtote" : "json - null" })", R"({"$pgtote":"json-text","text":"1"})", R"({"$pgtote": [[[]]]})",
        R"({"\u0024pgtote":1})"}) {
    CAPTURE(text);
    CHECK(json_round_trip(text) == text);
  }
  for (size_t depth : {63, 64, 65, 1000, 20000}) {
    CAPTURE(depth);
    std::string arrays = nested(depth, "[", "\"\\ud800\"", "]"), objects = nested(depth, "{\"a\":", "{}", "}");
    CHECK(encode(Encoding::json, arrays) == arrays);  // nested JSON, as deep as it comes
    CHECK(json_round_trip(arrays) == arrays);
    CHECK(json_round_trip(objects) == objects);
    CHECK(json_round_trip(nested(depth, "[{\"b\":", "null", "}]")) == nested(depth, "[{\"b\":", "null", "}]"));
  }
}

TEST_CASE("json values nested JSON cannot carry travel as marker objects") {
  CHECK(encode(Encoding::json, " 1 ") == R"({"$pgtote":"json-text","text":" 1 "})");
  CHECK(encode(Encoding::json, R"({"$pgtote":1})") == R"({"$pgtote":"json-text","text":"{\"$pgtote\":1}"})");
  CHECK(encode(Encoding::json, R"({"\u0024pgtote":1})") == R"({"\u0024pgtote":1})");  // no marker: stays
  // Re-indented markers still read.
  CHECK(decode(Encoding::json, "{ \"$pgtote\" :\n \"json-text\" , \"text\" : \" 2\" }") == " 2");
  // Version 1 had only the null marker: a stored object shaped like the text marker is itself.
  std::string look_alike = R"({"$pgtote":"json-text","text":"1"})";
  CHECK(decode(Encoding::json, look_alike, Encoding::text, 1) == look_alike);
  CHECK(decode(Encoding::json, R"({"$pgtote":"json-null"})", Encoding::text, 1) == "null");
  CHECK(decode(Encoding::json, R"({"$pgtote":"other"})", Encoding::text, 1) == R"({"$pgtote":"other"})");
  // In version 2, every object that starts like a marker is one.
  CHECK_THROWS_AS(decode(Encoding::json, R"({"$pgtote":"other"})"), std::invalid_argument);
  CHECK_THROWS_AS(decode(Encoding::json, R"({"$pgtote":"json-text","text":"[1"})"), std::invalid_argument);
  CHECK_THROWS_AS(decode(Encoding::json, R"({"$pgtote":"json-text","text":1})"), std::invalid_argument);
  // A json column's value is checked like the server checks it.
  JsonValue garbled;
  garbled.type = JsonValue::Type::object;
  garbled.raw = R"({"a" 1})";
  std::string out;
  CHECK_THROWS_AS(decode_value(Encoding::json, Encoding::text, garbled, out), std::invalid_argument);
}

TEST_CASE("text, bytea and arrays at their extremes round-trip") {
  std::string every_code_point;
  for (char32_t cp = 1; cp < 0x110000; cp += (cp == 0xd7ff ? 0x801 : 1)) {
    char buffer[4];
    size_t n = cp < 0x80 ? 1 : cp < 0x800 ? 2 : cp < 0x10000 ? 3 : 4;
    static const unsigned char lead[] = {0, 0, 0xc0, 0xe0, 0xf0};
    for (size_t k = n; k-- > 1;) buffer[k] = static_cast<char>(0x80 | ((cp >> (6 * (n - 1 - k))) & 0x3f));
    buffer[0] = static_cast<char>(n == 1 ? cp : lead[n] | (cp >> (6 * (n - 1))));
    every_code_point.append(buffer, n);
  }
  CHECK(decode(Encoding::text, encode(Encoding::text, every_code_point)) == every_code_point);
  std::string big(3 << 20, 'x');
  big[12345] = '"';
  big[1 << 20] = '\\';
  CHECK(decode(Encoding::text, encode(Encoding::text, big)) == big);
  std::string all_bytes = "\\x";
  for (int b = 0; b < 256; ++b) all_bytes += "0123456789abcdef"[b >> 4], all_bytes += "0123456789abcdef"[b & 15];
  CHECK(decode(Encoding::base64, encode(Encoding::base64, all_bytes)) == all_bytes);
  std::string digits = std::string(600, '9') + "." + std::string(400, '1');
  CHECK(decode(Encoding::text, encode(Encoding::text, digits)) == digits);
  CHECK(decode(Encoding::array, encode(Encoding::array, "{}", Encoding::number), Encoding::number) == "{}");
  CHECK(decode(Encoding::array, encode(Encoding::array, "{{1,NULL},{NULL,4}}", Encoding::number), Encoding::number) ==
        R"({{"1",NULL},{NULL,"4"}})");
  CHECK(decode(Encoding::array, encode(Encoding::array, "{{{{{{1,2}}}}}}", Encoding::number), Encoding::number) ==
        R"({{{{{{"1","2"}}}}}})");
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
      bool not_null =
          decode_value(column.encoding, column.element_encoding, parse_row_value(json, column.encoding), decoded);
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
