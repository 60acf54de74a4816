// Formatting for people, kept apart from the terminal so it is tested without one.
#include "pgtote/human_format.h"

#include <cmath>
#include <cstdio>

namespace pgtote {

std::string with_thousands(uint64_t value) {
  std::string digits = std::to_string(value);
  std::string out;
  for (size_t i = 0; i < digits.size(); ++i) {
    if (i > 0 && (digits.size() - i) % 3 == 0) out += ',';
    out += digits[i];
  }
  return out;
}

std::string format_bytes(uint64_t bytes) {
  static const char* const units[] = {"kB", "MB", "GB", "TB", "PB"};
  if (bytes < 1000) return std::to_string(bytes) + " B";
  double value = bytes / 1000.0;
  size_t unit = 0;
  // 999.96 kB would print as "1000.0 kB": move up a unit before rounding can reach 1000.
  while (value >= 999.95 && unit + 1 < std::size(units)) {
    value /= 1000;
    ++unit;
  }
  char buffer[32];
  std::snprintf(buffer, sizeof buffer, "%.1f %s", value, units[unit]);
  return buffer;
}

std::string format_duration(double seconds) {
  char buffer[32];
  if (seconds < 10) {
    std::snprintf(buffer, sizeof buffer, "%.1f s", seconds < 0 ? 0 : seconds);
    return buffer;
  }
  auto whole = static_cast<uint64_t>(std::llround(seconds));
  if (whole < 60)
    std::snprintf(buffer, sizeof buffer, "%llu s", static_cast<unsigned long long>(whole));
  else if (whole < 3600)
    std::snprintf(buffer, sizeof buffer, "%llum%02llus", static_cast<unsigned long long>(whole / 60),
                  static_cast<unsigned long long>(whole % 60));
  else
    std::snprintf(buffer, sizeof buffer, "%lluh%02llum", static_cast<unsigned long long>(whole / 3600),
                  static_cast<unsigned long long>(whole % 3600 / 60));
  return buffer;
}

std::optional<double> remaining_seconds(uint64_t done, uint64_t total, double elapsed) {
  if (done == 0 || total == 0 || elapsed <= 0) return std::nullopt;
  if (done >= total) return 0.0;
  return elapsed * static_cast<double>(total - done) / static_cast<double>(done);
}

size_t display_width(std::string_view text) {
  size_t width = 0;
  for (unsigned char c : text) width += (c & 0xC0) != 0x80;
  return width;
}

std::string pad(const std::string& text, size_t width, bool right) {
  size_t shown = display_width(text);
  if (shown >= width) return text;
  return right ? std::string(width - shown, ' ') + text : text + std::string(width - shown, ' ');
}

std::string clip_to_width(std::string_view text, size_t width) {
  if (display_width(text) <= width) return std::string(text);
  if (width == 0) return "";
  // Keep width - 1 characters, then the ellipsis.
  size_t kept = 0, end = 0;
  while (end < text.size()) {
    size_t next = end + 1;
    while (next < text.size() && (static_cast<unsigned char>(text[next]) & 0xC0) == 0x80) ++next;
    if (kept + 1 > width - 1) break;
    ++kept;
    end = next;
  }
  return std::string(text.substr(0, end)) + "\u2026";
}

}  // namespace pgtote
