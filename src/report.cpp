// Statistics output shared by the commands that move rows.
#include "pgtote/report.h"

#include <algorithm>
#include <cstdio>

#include "pgtote/human_format.h"
#include "pgtote/json_writer.h"
#include "pgtote/output_file.h"

namespace pgtote {

namespace {
// Wide enough for every "schema.name" and the totals line.
template <typename Stats>
size_t name_width(const std::vector<Stats>& tables) {
  size_t width = display_width("total (" + std::to_string(tables.size()) + " tables)");
  for (const auto& t : tables) width = std::max(width, display_width(t.schema + "." + t.name));
  return width;
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
  if (named) {
    out.key("filtered_by_row_security");
    out.boolean(stats.filtered_by_row_security);
  }
  out.end_object();
}
}  // namespace

std::string format_export_stats(const ExportResult& result) {
  size_t width = name_width(result.tables);
  std::string out = pad("table", width, false) + "  " + pad("rows", 12, true) + "  " + pad("bytes", 10, true) + "  " +
                    pad("time", 9, true) + "\n";
  auto line = [&](const std::string& name, const TableStats& s) {
    out += pad(name, width, false) + "  " + pad(with_thousands(s.rows), 12, true) + "  " +
           pad(format_bytes(s.bytes), 10, true) + "  " + pad(seconds_text(s.seconds), 9, true) +
           (s.filtered_by_row_security ? "  (filtered by row-level security)" : "") + "\n";
  };
  for (const auto& t : result.tables) line(t.schema + "." + t.name, t);
  line("total (" + std::to_string(result.tables.size()) + " tables)", result.totals);
  return out;
}

std::string format_export_preview(const ExportResult& result) {
  size_t width = 5;
  for (const auto& t : result.preview) width = std::max(width, t.schema.size() + 1 + t.name.size());
  std::string out = pad("table", width, false) + "  " + pad("would export", 12, true) + "  why\n";
  for (const auto& t : result.preview) {
    std::string why;
    for (const auto& [reason, rows] : t.reasons)
      why += (why.empty() ? "" : ", ") + reason + " (" + with_thousands(rows) + ")";
    if (t.reasons.empty()) why = t.rows ? "every row" : "";
    out += pad(t.schema + "." + t.name, width, false) + "  " + pad(with_thousands(t.rows), 12, true) +
           (why.empty() ? "" : "  " + why) + "\n";
  }
  out += pad("total (" + std::to_string(result.preview.size()) + " tables)", width, false) + "  " +
         pad(with_thousands(result.totals.rows), 12, true) + "\n";
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
         }) +
         "\n";
}

namespace {
void write_import_counts(JsonWriter& out, const TableImportStats& s, bool named) {
  out.start_object();
  if (named) {
    out.key("schema");
    out.string(s.schema);
    out.key("name");
    out.string(s.name);
  }
  for (auto [key, value] : {std::pair{"inserted", s.inserted},
                            {"updated", s.updated},
                            {"unchanged", s.unchanged},
                            {"skipped", s.skipped},
                            {"conflicts", s.conflicts},
                            {"errors", s.errors}}) {
    out.key(key);
    out.integer(static_cast<int64_t>(value));
  }
  out.key("seconds");
  out.real(s.seconds);
  out.end_object();
}
}  // namespace

std::string format_import_stats(const ImportResult& result) {
  size_t width = name_width(result.tables);
  bool dry = result.dry_run;
  std::vector<std::string> heads = {dry ? "would insert" : "inserted",
                                    dry ? "would update" : "updated",
                                    "unchanged",
                                    "skipped",
                                    "conflicts",
                                    "errors",
                                    "time"};
  std::string out = pad("table", width, false);
  for (const auto& h : heads) out += "  " + pad(h, std::max<size_t>(h.size(), 9), true);
  out += "\n";
  auto line = [&](const std::string& name, const TableImportStats& s) {
    out += pad(name, width, false);
    uint64_t values[] = {s.inserted, s.updated, s.unchanged, s.skipped, s.conflicts, s.errors};
    for (size_t i = 0; i < 6; ++i)
      out += "  " + pad(with_thousands(values[i]), std::max<size_t>(heads[i].size(), 9), true);
    out += "  " + pad(seconds_text(s.seconds), 9, true);
    if (!s.skipped_because.empty()) out += "  (left out: " + s.skipped_because + ")";
    out += "\n";
  };
  for (const auto& t : result.tables) line(t.schema + "." + t.name, t);
  line("total (" + std::to_string(result.tables.size()) + " tables)", result.totals);
  if (!result.drift.empty()) {
    out += "\nschema drift (the target against the snapshot):\n";
    for (const auto& item : result.drift)
      out +=
          std::string(item.blocking ? "  [blocks] " : "  ") + drift_kind_name(item.kind) + ": " + item.message + "\n";
  }
  bool blocked = result.drift_blocks;
  for (const auto& p : result.problems) blocked = blocked || p.blocking;
  if (!result.problems.empty() || blocked) {
    out += blocked ? (dry ? "\nthe import would fail; problems found:\n"
                          : "\nimport stopped, nothing was written; problems found:\n")
                   : "\nfound by the checks (not blocking):\n";
    for (const auto& p : result.problems) {
      out += "  " + p.table + ": " + std::to_string(p.count) + " " + p.kind + (p.count == 1 ? "" : "s") +
             (p.note.empty() ? "" : " (" + p.note + ")") + "\n";
      for (const auto& e : p.examples) out += "    " + e + "\n";
      if (p.count > p.examples.size()) out += "    ... and " + std::to_string(p.count - p.examples.size()) + " more\n";
    }
  }
  if (!result.rejected.empty()) {
    out += "\n" + std::to_string(result.rejected.size()) +
           " rows rejected by the server (everything else was imported):\n";
    for (size_t i = 0; i < result.rejected.size() && i < 5; ++i)
      out += "  " + result.rejected[i].table + " row " + std::to_string(result.rejected[i].row) + ": " +
             result.rejected[i].error + "\n";
  }
  if (!result.diffs.empty()) {
    out += "\nchanged rows (before -> after):\n";
    for (const auto& d : result.diffs) out += "  " + d + "\n";
  }
  return out;
}

std::string import_report_json(const ImportResult& result) {
  return json_to_string([&](JsonWriter& out) {
           out.start_object();
           out.key("mode");
           out.string(result.dry_run ? "dry-run" : "import");
           out.key("ok");
           out.boolean(result.ok);
           out.key("tables");
           out.start_array();
           for (const auto& t : result.tables) write_import_counts(out, t, true);
           out.end_array();
           out.key("totals");
           write_import_counts(out, result.totals, false);
           out.end_object();
         }) +
         "\n";
}

void write_text_file(const std::string& path, const std::string& text) {
  OutputFile file(path);
  file.write(text);
  file.commit();
}

}  // namespace pgtote
