// Each anonymization transform on its own: type preserved, deterministic given the salt, other
// outputs with another salt; the JSON path rewrite; the collision path of unique domains.
#include "pgtote/value_transforms.h"

#include <doctest/doctest.h>

#include <bit>
#include <regex>
#include <set>

#include "pgtote/anonymizer.h"
#include "pgtote/error.h"
#include "pgtote/json_path_rewrite.h"
#include "pgtote/json_syntax.h"

using namespace pgtote;

namespace {
Column column_of(const std::string& type, Encoding encoding) {
  Column c;
  c.name = "c";
  c.type = type;
  c.encoding = encoding;
  return c;
}
ValueShape shape_of(const std::string& type, Encoding encoding = Encoding::text) {
  return value_shape(column_of(type, encoding));
}
}  // namespace

TEST_CASE("keyed hash: HMAC-SHA256 matches RFC 4231 test case 2, SipHash keys differ by salt and purpose") {
  auto mac = hmac_sha256("Jefe", "what do ya want for nothing?");
  static const char hex[] = "0123456789abcdef";
  std::string text;
  for (auto b : mac) text += std::string{hex[b >> 4], hex[b & 15]};
  CHECK(text == "5bdcc146bf60754e6a042426089575c75a003f089d2739839dec58b964ec3843");
  KeyedHash a("salt", "email"), b("salt", "email"), c("other", "email"), d("salt", "name");
  CHECK(a(0, "x") == b(0, "x"));
  CHECK(a(0, "x") != c(0, "x"));
  CHECK(a(0, "x") != d(0, "x"));
  CHECK(a(0, "x") != a(1, "x"));
}

TEST_CASE("value shapes come from the column's type") {
  CHECK(shape_of("smallint", Encoding::number).value_class == ValueClass::int16);
  CHECK(shape_of("integer", Encoding::number).value_class == ValueClass::int32);
  CHECK(shape_of("bigint", Encoding::bigint).value_class == ValueClass::int64);
  CHECK(shape_of("oid", Encoding::number).value_class == ValueClass::oid);
  CHECK(shape_of("uuid").value_class == ValueClass::uuid);
  CHECK(shape_of("character varying(12)").max_length == 12);
  CHECK(shape_of("character(3)").max_length == 3);
  CHECK(shape_of("text").value_class == ValueClass::text);
  CHECK(shape_of("numeric(10,2)").value_class == ValueClass::decimal);
  CHECK(shape_of("date").value_class == ValueClass::other);
  CHECK_FALSE(transform_fits(TransformKind::hash, shape_of("date")));
  CHECK_FALSE(transform_fits(TransformKind::email, shape_of("integer", Encoding::number)));
  CHECK(transform_fits(TransformKind::sql, shape_of("date")));
}

TEST_CASE("hash keeps integers integers, in range, sign and bit length kept, and is a bijection") {
  ValueTransforms t("salt");
  ValueShape int2 = shape_of("smallint", Encoding::number), int4 = shape_of("integer", Encoding::number),
             int8 = shape_of("bigint", Encoding::bigint);
  std::set<std::string> outputs;
  for (int v = -32768; v <= 32767; ++v) {
    std::string out = t.hash(int2, std::to_string(v), 0);
    int o = std::stoi(out);
    CHECK((o >= -32768 && o <= 32767));
    CHECK((o < 0) == (v < 0));
    outputs.insert(out);
  }
  CHECK(outputs.size() == 65536);  // a permutation of smallint
  for (const char* v : {"0", "1", "65535", "65536", "2147483647", "-2147483648", "123456789"}) {
    long long o = std::stoll(t.hash(int4, v, 0));
    long long in = std::stoll(v);
    CHECK((o >= INT32_MIN && o <= INT32_MAX));
    CHECK((o < 0) == (in < 0));
    if (in >= 65536)
      CHECK(
          (std::bit_width(static_cast<unsigned long long>(o)) == std::bit_width(static_cast<unsigned long long>(in))));
  }
  for (const char* v : {"9223372036854775807", "-9223372036854775808", "4611686018427387904"}) {
    std::string out = t.hash(int8, v, 0);
    CHECK_NOTHROW((void)std::stoll(out));
    CHECK((out[0] == '-') == (v[0] == '-'));
  }
  std::set<std::string> big;
  for (int v = 1000000; v < 1010000; ++v) big.insert(t.hash(int4, std::to_string(v), 0));
  CHECK(big.size() == 10000);
  CHECK(t.hash(int4, "42", 0) == ValueTransforms("salt").hash(int4, "42", 0));
  CHECK(t.hash(int4, "1000042", 0) != ValueTransforms("pepper").hash(int4, "1000042", 0));
  CHECK(t.hash(shape_of("oid", Encoding::number), "4294967295", 0).find('-') == std::string::npos);
  CHECK_THROWS_AS(t.hash(int4, "12x", 0), std::invalid_argument);
}

TEST_CASE("hash keeps uuids uuids, text text (within the length limit), and says what it does to the rest") {
  ValueTransforms t("salt");
  std::string u = t.hash(shape_of("uuid"), "a0eebc99-9c0b-4ef8-bb6d-6bb9bd380a11", 0);
  CHECK(std::regex_match(u, std::regex("[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}")));
  CHECK(u != "a0eebc99-9c0b-4ef8-bb6d-6bb9bd380a11");
  CHECK(u == t.hash(shape_of("uuid"), "A0EEBC99-9C0B-4EF8-BB6D-6BB9BD380A11", 0));  // same value, same output
  std::string h = t.hash(shape_of("text"), "ada@example.org", 0);
  CHECK(std::regex_match(h, std::regex("[0-9a-f]{32}")));
  CHECK(t.hash(shape_of("character varying(10)"), "ada", 0).size() == 10);
  CHECK(t.hash(shape_of("text"), "ada", 0) != t.hash(shape_of("text"), "ada", 1));  // attempts re-derive
  std::string n = t.hash(shape_of("numeric(8,2)"), "-1234.50", 0);
  CHECK(std::regex_match(n, std::regex("-[1-9][0-9]{3}\\.[0-9]{2}")));
  CHECK(t.hash(shape_of("numeric"), "0.25", 0).substr(0, 2) == "0.");
  CHECK(t.hash(shape_of("numeric"), "NaN", 0) == "NaN");
  std::string f = t.hash(shape_of("double precision", Encoding::floating), "1.5e-07", 0);
  CHECK(std::regex_match(f, std::regex("[1-9]\\.[0-9]e-07")));
  std::string b = t.hash(shape_of("bytea", Encoding::base64), "\\x00ff10", 0);
  CHECK(std::regex_match(b, std::regex("\\\\x[0-9a-f]{6}")));
  std::string flag = t.hash(shape_of("boolean", Encoding::boolean), "t", 0);
  CHECK((flag == "t" || flag == "f"));
  CHECK(is_json_text(t.hash(shape_of("jsonb", Encoding::json), "{\"a\": 1}", 0)));
}

TEST_CASE("fakes: valid emails, names, phones, addresses and text of the same length class") {
  ValueTransforms t("salt");
  std::string e = t.email("ada@real.org", 0);
  CHECK(std::regex_match(e, std::regex("[a-z]+\\.[a-z]+\\.[0-9a-f]{12}@example\\.com")));
  CHECK(e == ValueTransforms("salt").email("ada@real.org", 0));
  CHECK(e != ValueTransforms("pepper").email("ada@real.org", 0));
  std::string name = t.person_name(TransformKind::name, "Ada Lovelace", 0);
  CHECK(name.find(' ') != std::string::npos);
  CHECK(t.person_name(TransformKind::first_name, "Ada", 0).find(' ') == std::string::npos);
  CHECK(t.person_name(TransformKind::last_name, "Ada", 1).ends_with(" 2"));  // a later attempt is numbered
  CHECK(std::regex_match(t.phone("+44 20 7946 0000", 0), std::regex("\\+1-555-[0-9]{3}-[0-9]{4}")));
  CHECK(std::regex_match(t.address("10 Downing Street", 0), std::regex("[0-9]+ [A-Za-z]+ [A-Za-z]+, [A-Za-z]+")));
  for (std::string input : std::vector<std::string>{"a", "hello", "hello world!", std::string(100, 'x'), "żółw"}) {
    std::string out = t.text(input, 0, -1);
    size_t n = 0;
    for (char c : input) n += (static_cast<unsigned char>(c) & 0xC0) != 0x80;
    size_t low = 1;
    while (low * 2 <= n) low *= 2;
    CHECK(out.size() >= low);
    CHECK(out.size() < low * 2);
    CHECK(out != input);
  }
  CHECK(t.text("", 0, -1).empty());
  CHECK(t.text(std::string(40, 'x'), 0, 40).size() <= 40);
  CHECK(t.apply(TransformKind::email, shape_of("character varying(20)"), "ada@real.org", 0).size() <= 20);
}

TEST_CASE("JSON paths: only the named leaves change, the rest is copied byte for byte") {
  auto rewrite = [](std::string json, std::vector<std::string> paths) {
    std::vector<JsonPath> parsed;
    for (auto& p : paths) parsed.push_back(parse_json_path(p));
    return rewrite_json_paths(json, parsed,
                              [](size_t path, std::string_view) { return "\"#" + std::to_string(path) + "\""; });
  };
  CHECK(rewrite(R"({"card": {"last4": "4242", "brand": "visa"}, "n": 1})", {"$.card.last4"}) ==
        R"({"card": {"last4": "#0", "brand": "visa"}, "n": 1})");
  CHECK(rewrite(R"({"items":[{"sku":"a"},{"sku":"b"}]})", {"$.items[*].sku"}) ==
        R"({"items":[{"sku":"#0"},{"sku":"#0"}]})");
  CHECK(rewrite(R"({"items":[{"sku":"a"},{"sku":"b"}]})", {"$.items[1].sku"}) ==
        R"({"items":[{"sku":"a"},{"sku":"#0"}]})");
  CHECK(rewrite(R"({"a": 1})", {"$.missing.path"}) == R"({"a": 1})");
  CHECK(rewrite(R"("scalar")", {"$"}) == R"("#0")");
  CHECK(rewrite(R"({"a\"b": {"c": [1, {"d": 2}]}})", {"$[\"a\\\"b\"].c"}) != "");
  std::string deep = std::string(5000, '[') + std::string(5000, ']');
  CHECK(rewrite("{\"x\": " + deep + ", \"y\": 1}", {"$.y"}) == "{\"x\": " + deep + ", \"y\": \"#0\"}");
  CHECK_THROWS_AS(parse_json_path("card.last4"), std::invalid_argument);
  CHECK_THROWS_AS(rewrite("{\"a\": ", {"$.a"}), std::invalid_argument);
  CHECK(json_string_literal("a\"b\n") == "\"a\\\"b\\u000a\"");
  CHECK(json_string_contents("\"a\\\"b\\u00e9\"") == "a\"b\xc3\xa9");
}

TEST_CASE("a unique domain never emits one output twice: collisions re-derive, deterministically") {
  // 200 inputs in an output space of 256: many first choices collide.
  AnonymizePlan plan;
  plan.tables.resize(2);
  ColumnAnonymization key;
  key.name = "public.User.email";
  key.kind = TransformKind::email;
  key.shape = {ValueClass::text, -1};
  key.unique_domain = "public.User.email";
  plan.tables[0].columns = {key};
  ColumnAnonymization reference = key;
  reference.name = "public.Invite.email";
  reference.follows = "public.User.email";
  plan.tables[1].columns = {reference};

  auto run = [&](const std::string& salt) {
    Anonymizer anonymizer(plan, salt, 256);
    std::vector<std::string> outputs;
    for (int i = 0; i < 200; ++i) {
      bool null = false;
      std::string input = "user" + std::to_string(i) + "@real.org", scratch;
      std::string_view value = input;
      anonymizer.table(0)->rewrite(0, null, value, scratch);
      outputs.emplace_back(value);
    }
    // The referencing column gets exactly the key's output, collisions included.
    for (int i = 199; i >= 0; --i) {
      bool null = false;
      std::string input = "user" + std::to_string(i) + "@real.org", scratch;
      std::string_view value = input;
      anonymizer.table(1)->rewrite(0, null, value, scratch);
      CHECK(std::string(value) == outputs[i]);
    }
    CHECK(anonymizer.remembered_outputs() == 200);
    return outputs;
  };
  auto first = run("salt");
  CHECK(std::set<std::string>(first.begin(), first.end()).size() == 200);
  ValueTransforms narrow("salt", 256);
  size_t rederived = 0;
  for (int i = 0; i < 200; ++i) rederived += first[i] != narrow.email("user" + std::to_string(i) + "@real.org", 0);
  CHECK(rederived > 20);  // the test does take the collision path
  CHECK(run("salt") == first);
  CHECK(run("pepper") != first);

  // More inputs than outputs: refused with the column's name, never a duplicate.
  Anonymizer tiny(plan, "salt", 4);
  bool threw = false;
  try {
    for (int i = 0; i < 5; ++i) {
      bool null = false;
      std::string input = std::to_string(i), scratch;
      std::string_view value = input;
      tiny.table(0)->rewrite(0, null, value, scratch);
    }
  } catch (const Error& e) {
    threw = std::string(e.what()).find("public.User.email") != std::string::npos;
  }
  CHECK(threw);
}
