// The --report document. Key order is fixed, so two reports of the same run differ only in times.
#include "pgtote/report_file.h"

#include "pgtote/json_writer.h"
#include "pgtote/report.h"

namespace pgtote {

namespace {

void optional_string(JsonWriter& out, const char* key, const std::string& value) {
  out.key(key);
  if (value.empty())
    out.null();
  else
    out.string(value);
}

void strings(JsonWriter& out, const char* key, const std::vector<std::string>& values) {
  out.key(key);
  out.start_array();
  for (const auto& value : values) out.string(value);
  out.end_array();
}

void count(JsonWriter& out, const char* key, uint64_t value) {
  out.key(key);
  out.integer(static_cast<int64_t>(value));
}

void write_error(JsonWriter& out, const RunReport& report) {
  out.key("error");
  if (!report.error) {
    out.null();
    return;
  }
  out.start_object();
  out.key("message");
  out.string(*report.error);
  const ServerError& server = report.server_error;
  for (auto [key, value] : {std::pair{"sqlstate", &server.sqlstate},
                            {"detail", &server.detail},
                            {"schema", &server.schema},
                            {"table", &server.table},
                            {"column", &server.column},
                            {"constraint", &server.constraint}})
    if (!value->empty()) {
      out.key(key);
      out.string(*value);
    }
  out.end_object();
}

void write_export_stats(JsonWriter& out, const TableStats& stats, bool named) {
  out.start_object();
  if (named) {
    out.key("schema");
    out.string(stats.schema);
    out.key("name");
    out.string(stats.name);
  }
  count(out, "rows", stats.rows);
  count(out, "bytes", stats.bytes);
  out.key("seconds");
  out.real(stats.seconds);
  if (named) {
    out.key("filtered_by_row_security");
    out.boolean(stats.filtered_by_row_security);
  }
  out.end_object();
}

void write_export(JsonWriter& out, const ExportResult& result) {
  out.key("tables");
  out.start_array();
  for (const auto& t : result.tables) write_export_stats(out, t, true);
  out.end_array();
  out.key("totals");
  write_export_stats(out, result.totals, false);
  out.key("preview");  // --dry-run: the rows each table would give, and why
  out.start_array();
  for (const auto& t : result.preview) {
    out.start_object();
    out.key("schema");
    out.string(t.schema);
    out.key("name");
    out.string(t.name);
    count(out, "rows", t.rows);
    out.key("reasons");
    out.start_array();
    for (const auto& [reason, rows] : t.reasons) {
      out.start_object();
      out.key("reason");
      out.string(reason);
      count(out, "rows", rows);
      out.end_object();
    }
    out.end_array();
    out.end_object();
  }
  out.end_array();
}

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
                            {"errors", s.errors}})
    count(out, key, value);
  out.key("seconds");
  out.real(s.seconds);
  if (named) optional_string(out, "skipped_because", s.skipped_because);
  out.end_object();
}

void write_drift(JsonWriter& out, const std::vector<DriftItem>& items) {
  out.key("drift");
  out.start_array();
  for (const auto& item : items) {
    out.start_object();
    out.key("kind");
    out.string(drift_kind_name(item.kind));
    out.key("table");
    out.string(item.table);
    optional_string(out, "column", item.column);
    out.key("blocking");
    out.boolean(item.blocking);
    out.key("message");
    out.string(item.message);
    optional_string(out, "suggestion", item.suggestion);
    out.end_object();
  }
  out.end_array();
}

void write_import(JsonWriter& out, const ImportResult& result) {
  out.key("tables");
  out.start_array();
  for (const auto& t : result.tables) write_import_counts(out, t, true);
  out.end_array();
  out.key("totals");
  write_import_counts(out, result.totals, false);
  write_drift(out, result.drift);
  out.key("problems");
  out.start_array();
  for (const auto& p : result.problems) {
    out.start_object();
    out.key("table");
    out.string(p.table);
    out.key("kind");
    out.string(p.kind);
    count(out, "count", p.count);  // examples hold the first few, with their rows and keys
    out.key("blocking");
    out.boolean(p.blocking);
    optional_string(out, "note", p.note);
    strings(out, "examples", p.examples);
    out.end_object();
  }
  out.end_array();
  out.key("rejected");
  out.start_object();
  count(out, "count", result.rejected.size());
  out.key("rows");
  out.start_array();
  for (size_t i = 0; i < result.rejected.size() && i < report_rejected_rows_shown; ++i) {
    const RejectedRow& row = result.rejected[i];
    out.start_object();
    out.key("table");
    out.string(row.table);
    count(out, "row", row.row);
    out.key("error");
    out.string(row.error);
    optional_string(out, "sqlstate", row.server.sqlstate);
    optional_string(out, "constraint", row.server.constraint);
    out.end_object();
  }
  out.end_array();
  out.end_object();
  strings(out, "changed_rows", result.diffs);
  if (!result.identity.empty()) {  // match rules: how the snapshot's rows found the target's
    out.key("identity");
    out.start_array();
    for (const auto& t : result.identity) {
      out.start_object();
      out.key("table");
      out.string(t.table);
      out.key("match");
      out.string(t.match);
      count(out, "matched_by_key", t.by_key);
      count(out, "matched_by_mapping", t.by_mapping);
      count(out, "new", t.fresh);
      out.key("new_ids");
      out.string(t.fresh_ids);
      out.end_object();
    }
    out.end_array();
  }
  if (!result.deletes.empty()) {  // --delete-missing
    out.key("deletes");
    out.start_array();
    for (const auto& d : result.deletes) {
      out.start_object();
      out.key("table");
      out.string(d.table);
      count(out, "deleted", d.deleted);
      count(out, "cascaded", d.cascaded);
      count(out, "set_null", d.set_null);
      count(out, "rows_before", d.rows_before);
      out.end_object();
    }
    out.end_array();
  }
}

std::string mode_of(const RunReport& report) {
  if (report.command == "diff") return "diff";
  return report.dry_run ? "dry-run" : report.command;
}

}  // namespace

std::string report_json(const RunReport& report) {
  return json_to_string([&](JsonWriter& out) {
           out.start_object();
           out.key("report_version");
           out.integer(report_format_version);
           out.key("pgtote_version");
           out.string(PGTOTE_VERSION);
           out.key("command");
           out.string(report.command);
           out.key("dry_run");
           out.boolean(report.dry_run);
           optional_string(out, "snapshot", report.snapshot);
           optional_string(out, "source", report.source);
           optional_string(out, "target", report.target);
           optional_string(out, "server_version", report.facts.server_version);
           out.key("exit_code");
           out.integer(report.exit_code);
           write_error(out, report);
           out.key("mode");
           out.string(mode_of(report));
           out.key("ok");
           out.boolean(report.exit_code == 0);
           if (report.exported) write_export(out, *report.exported);
           if (report.imported) write_import(out, *report.imported);
           if (report.drift) write_drift(out, *report.drift);
           strings(out, "sequences", report.facts.sequences);
           strings(out, "notes", report.notes);
           out.end_object();
         }) +
         "\n";
}

// The run's own failure is the one main tells: a report that cannot be written then (a full disk)
// does not replace it.
static void write_after_failure(const std::string& path, const RunReport& report) {
  try {
    write_text_file(path, report_json(report));
  } catch (const std::exception&) {
  }
}

int run_with_report(const std::optional<std::string>& path, RunReport& report, const std::function<int()>& body) {
  if (!path) return body();
  try {
    report.exit_code = body();
  } catch (const Error& e) {
    report.exit_code = static_cast<int>(e.code());
    report.error = e.what();
    report.server_error = e.server();
    write_after_failure(*path, report);
    throw;
  } catch (const std::exception& e) {
    report.exit_code = static_cast<int>(ExitCode::failure);
    report.error = e.what();
    write_after_failure(*path, report);
    throw;
  }
  write_text_file(*path, report_json(report));
  return report.exit_code;
}

}  // namespace pgtote
