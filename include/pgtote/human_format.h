// Numbers, sizes and durations as people read them, and text fitted to a terminal's columns:
// one place for the units (MB, 10^6 bytes) the statistics, progress and README all use.
#pragma once

#include <cstdint>
#include <optional>
#include <string>
#include <string_view>

namespace pgtote {

// 1234567 -> "1,234,567".
std::string with_thousands(uint64_t value);
// Decimal units: "999 B", "1.2 kB", "12.3 MB", "4.9 GB".
std::string format_bytes(uint64_t bytes);
// "0.4 s", "45 s", "2m05s", "1h02m".
std::string format_duration(double seconds);
// Seconds left when `done` of `total` took `elapsed` seconds at a steady pace; none before
// anything is done or when the total is unknown (0).
std::optional<double> remaining_seconds(uint64_t done, uint64_t total, double elapsed);

// Columns `text` takes: UTF-8 continuation bytes take none.
size_t display_width(std::string_view text);
// `text` padded with spaces to `width` columns, on the left when `right` (numbers).
std::string pad(const std::string& text, size_t width, bool right);
// At most `width` columns of `text`, never cutting a UTF-8 character; a cut line ends in "…".
std::string clip_to_width(std::string_view text, size_t width);

}  // namespace pgtote
