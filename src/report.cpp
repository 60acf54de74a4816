// Statistics output shared by the commands that move rows, for people (the JSON is report_file's).
#include "pgtote/report.h"

#include <algorithm>
#include <cstdio>

#include "pgtote/human_format.h"
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
  size_t width = name_width(result.preview);
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

namespace {
// Tables with match rules: how their rows found target rows, and (--show-diff) the ids that move.
std::string format_identity(const ImportResult& result) {
  if (result.identity.empty()) return "";
  std::string out = result.dry_run ? "\nidentity (how the snapshot's rows would find the target's):\n"
                                   : "\nidentity (how the snapshot's rows found the target's):\n";
  for (const auto& t : result.identity) {
    bool fresh = t.match == "new";
    out += "  " + t.table + (fresh ? " (new rows): " : " (match on " + t.match + "): ") +
           (fresh ? "" : std::to_string(t.by_key) + " matched by key, ") + std::to_string(t.by_mapping) +
           " matched by mapping, " + std::to_string(t.fresh) + " new";
    if (!t.fresh_ids.empty())
      out += std::string(t.fresh == 1 && t.fresh_ids.rfind("from ", 0) != 0 ? " (id " : " (ids ") + t.fresh_ids + ")";
    out += "\n";
    for (const auto& moved : t.remapped) out += "    " + moved + "\n";
  }
  return out;
}
}  // namespace

namespace {
// --delete-missing: per table, the rows that go and what the server's ON DELETE actions did.
std::string format_deletes(const ImportResult& result) {
  if (result.deletes.empty()) return "";
  std::string out =
      result.dry_run ? "\ndeletes (--delete-missing; the import would delete):\n" : "\ndeletes (--delete-missing):\n";
  for (const auto& d : result.deletes)
    out += "  " + d.table + ": " + std::to_string(d.deleted) + " missing from the snapshot, " +
           std::to_string(d.cascaded) + " by ON DELETE CASCADE, " + std::to_string(d.set_null) +
           " changed by ON DELETE SET NULL or SET DEFAULT (of " + std::to_string(d.rows_before) + " rows)\n";
  return out;
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
  out += format_identity(result);
  out += format_deletes(result);
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

void write_text_file(const std::string& path, const std::string& text) {
  OutputFile file(path);
  file.write(text);
  file.commit();
}

}  // namespace pgtote
