// End-of-run statistics as people read them: tables with totals, problems, drift (the --report
// JSON is report_file.h).
#pragma once

#include <string>

#include "pgtote/exporter.h"
#include "pgtote/importer.h"

namespace pgtote {

// Fixed-width table: one line per table, then totals.
std::string format_export_stats(const ExportResult& result);
// export --dry-run: per table, the rows it would export and why (start, child of, parent of).
std::string format_export_preview(const ExportResult& result);

// Per table: inserted, updated, unchanged, skipped, conflicts, errors, time; then totals, the
// problems found with their first examples, and --show-diff's rows.
std::string format_import_stats(const ImportResult& result);

// Writes `text` to `path` atomically ("-" for stdout).
void write_text_file(const std::string& path, const std::string& text);

}  // namespace pgtote
