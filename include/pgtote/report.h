// End-of-run statistics: the table printed for people and the JSON written by --report.
#pragma once

#include <string>

#include "pgtote/exporter.h"

namespace pgtote {

// Fixed-width table: one line per table, then totals.
std::string format_export_stats(const ExportResult& result);
// {"tables": [{"schema", "name", "rows", "bytes", "seconds"}...], "totals": {...}}
std::string export_report_json(const ExportResult& result);

// Writes `text` to `path` atomically ("-" for stdout).
void write_text_file(const std::string& path, const std::string& text);

}  // namespace pgtote
