// COPY text format: splitting rows and escaping values, including long values with escapes
// at every position (the escaper scans 16 bytes at a time).
#include "pgtote/copy_text.h"

#include <doctest/doctest.h>

#include <string>
#include <vector>

using namespace pgtote;

namespace {
std::vector<std::string> fields(std::string_view row) {
  CopyRowFields f(row);
  std::vector<std::string> out;
  std::string_view v;
  bool null;
  while (f.next(v, null)) out.push_back(null ? "<NULL>" : std::string(v));
  return out;
}
std::string unescape_one(const std::string& escaped) { return fields(escaped + "\n").at(0); }
}  // namespace

TEST_CASE("COPY rows split on tabs, with NULL and escapes") {
  CHECK(fields("1\t\\N\tа\\tb\\\\c\\nd\n") == std::vector<std::string>{"1", "<NULL>", "а\tb\\c\nd"});
  CHECK(fields("\\101\\x42\\r\n") == std::vector<std::string>{"AB\r"});
  CHECK(fields("\n") == std::vector<std::string>{""});
}

TEST_CASE("escaping round-trips every special character at every position") {
  for (size_t length : {1, 15, 16, 17, 40}) {
    for (size_t at = 0; at < length; ++at) {
      for (char special : {'\\', '\t', '\n', '\r'}) {
        std::string value(length, 'x');
        value[at] = special;
        std::string escaped;
        append_copy_escaped(escaped, value);
        CHECK(escaped.find('\t') == std::string::npos);
        CHECK(escaped.find('\n') == std::string::npos);
        CHECK(unescape_one(escaped) == value);
      }
    }
  }
  std::string other_controls =
      "a\x01\x0b\x0c"
      "b\xc3\xa9";
  std::string escaped;
  append_copy_escaped(escaped, other_controls);
  CHECK(escaped == other_controls);
}
