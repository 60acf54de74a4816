// Formatting for people, without a server: separators, units, durations, time left, widths.
#include "pgtote/human_format.h"

#include <doctest/doctest.h>

using namespace pgtote;

TEST_CASE("with_thousands groups digits by three") {
  CHECK(with_thousands(0) == "0");
  CHECK(with_thousands(999) == "999");
  CHECK(with_thousands(1000) == "1,000");
  CHECK(with_thousands(1234567) == "1,234,567");
  CHECK(with_thousands(18446744073709551615ull) == "18,446,744,073,709,551,615");
}

TEST_CASE("format_bytes uses decimal units only") {
  CHECK(format_bytes(0) == "0 B");
  CHECK(format_bytes(999) == "999 B");
  CHECK(format_bytes(1000) == "1.0 kB");
  CHECK(format_bytes(1500) == "1.5 kB");
  CHECK(format_bytes(999960) == "1.0 MB");  // not "1000.0 kB"
  CHECK(format_bytes(12345678) == "12.3 MB");
  CHECK(format_bytes(4890000000ull) == "4.9 GB");
}

TEST_CASE("format_duration reads at every scale") {
  CHECK(format_duration(0.4213) == "0.4 s");
  CHECK(format_duration(9.94) == "9.9 s");
  CHECK(format_duration(-1) == "0.0 s");
  CHECK(format_duration(45.2) == "45 s");
  CHECK(format_duration(125) == "2m05s");
  CHECK(format_duration(3725) == "1h02m");
}

TEST_CASE("remaining_seconds extrapolates the pace so far, and says nothing without one") {
  CHECK(remaining_seconds(0, 100, 5) == std::nullopt);
  CHECK(remaining_seconds(10, 0, 5) == std::nullopt);
  CHECK(remaining_seconds(10, 100, 0) == std::nullopt);
  CHECK(*remaining_seconds(25, 100, 10) == doctest::Approx(30));
  CHECK(*remaining_seconds(100, 100, 10) == 0);
  CHECK(*remaining_seconds(120, 100, 10) == 0);
}

TEST_CASE("clip_to_width keeps whole UTF-8 characters and marks the cut") {
  CHECK(clip_to_width("short", 10) == "short");
  CHECK(clip_to_width("exactly10!", 10) == "exactly10!");
  CHECK(clip_to_width("staging public.a_very_long_table_name", 12) == "staging pub\u2026");
  CHECK(display_width(clip_to_width("staging public.a_very_long_table_name", 12)) == 12);
  CHECK(clip_to_width("tätä täällä", 5) == "tätä\u2026");
  CHECK(clip_to_width("表表表表", 3) == "表表\u2026");
  CHECK(clip_to_width("abc", 0) == "");
  CHECK(clip_to_width("abc", 1) == "\u2026");
}

TEST_CASE("pad counts characters, not bytes") {
  CHECK(pad("ä", 3, false) == "ä  ");
  CHECK(pad("12", 4, true) == "  12");
  CHECK(pad("toolong", 3, true) == "toolong");
}
