// Statistics output shared by the commands that move rows.
#include "pgtote/report.h"

#include <algorithm>
#include <cstdio>

#include "pgtote/json_writer.h"
#include "pgtote/output_file.h"

namespace pgtote {

namespace {
std::string pad(const std::string& text, size_t width, bool right) {
  if (text.size() >= width) return text;
  return right ? std::string(width - text.size(), ' ') + text : text + std::string(width - text.size(), ' ');
}

std::string human_bytes(uint64_t bytes) {
  char buffer[32];
  if (bytes >= (1ull << 30)) std::snprintf(buffer, sizeof buffer, "%.1f GiB", bytes / double(1ull << 30));
  else if (bytes >= (1ull << 20)) std::snprintf(buffer, sizeof buffer, "%.1f MiB", bytes / double(1ull << 20));
  else if (bytes >= 1024) std::snprintf(buffer, sizeof buffer, "%.1f KiB", bytes / 1024.0);
  else std::snprintf(buffer, sizeof buffer, "%llu B", static_cast<unsigned long long>(bytes));
  return buffer;
}

std::string seconds_text(double seconds) {
  char buffer[32];
  std::snprintf(buffer, sizeof buffer, "%.2f s", seconds);
  return buffer;
}

void write_stats(JsonWriter& out, const TableStats& stats, bool named) {
  out.start_object();
  if (named) {
    out.key("schema");
    out.string(stats.schema);
    out.key("name");
    out.string(stats.name);
  }
  out.key("rows");
  out.integer(static_cast<int64_t>(stats.rows));
  out.key("bytes");
  out.integer(static_cast<int64_t>(stats.bytes));
  out.key("seconds");
  out.real(stats.seconds);
  out.end_object();
}
}  // namespace

std::string format_export_stats(const ExportResult& result) {
  size_t width = 5;
  for (const auto& t : result.tables) width = std::max(width, t.schema.size() + 1 + t.name.size());
  std::string out = pad("table", width, false) + "  " + pad("rows", 12, true) + "  " + pad("bytes", 10, true) + "  " +
                    pad("time", 9, true) + "\n";
  auto line = [&](const std::string& name, const TableStats& s) {
    out += pad(name, width, false) + "  " + pad(std::to_string(s.rows), 12, true) + "  " +
           pad(human_bytes(s.bytes), 10, true) + "  " + pad(seconds_text(s.seconds), 9, true) + "\n";
  };
  for (const auto& t : result.tables) line(t.schema + "." + t.name, t);
  line("total (" + std::to_string(result.tables.size()) + " tables)", result.totals);
  return out;
}

std::string export_report_json(const ExportResult& result) {
  return json_to_string([&](JsonWriter& out) {
    out.start_object();
    out.key("tables");
    out.start_array();
    for (const auto& t : result.tables) write_stats(out, t, true);
    out.end_array();
    out.key("totals");
    write_stats(out, result.totals, false);
    out.end_object();
  }) + "\n";
}

void write_text_file(const std::string& path, const std::string& text) {
  OutputFile file(path);
  file.write(text);
  file.commit();
}

}  // namespace pgtote
