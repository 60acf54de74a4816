// The --report file: everything the terminal shows about one run of export, import (or its dry
// run) or diff, as one JSON document a machine reads (docs/report.schema.json). It is written
// also when the run fails or is refused, with the exit code and the error.
#pragma once

#include <functional>
#include <optional>
#include <string>
#include <vector>

#include "pgtote/error.h"
#include "pgtote/exporter.h"
#include "pgtote/importer.h"
#include "pgtote/run_facts.h"
#include "pgtote/schema_drift.h"

namespace pgtote {

// Bumped when a field changes meaning or goes away; new fields do not bump it.
constexpr int report_format_version = 1;
// Rows set aside (--continue-on-error) listed in the report; the count says how many there were.
constexpr size_t report_rejected_rows_shown = 100;

struct RunReport {
  std::string command;  // "export", "import", "diff"
  bool dry_run = false;
  std::string snapshot;  // the snapshot written or read; empty when none (export --dry-run, diff --source)
  std::string source;    // connection strings, their passwords masked; empty when the command has none
  std::string target;
  RunFacts facts;
  std::vector<std::string> notes;  // the notes the terminal showed (stderr)
  std::optional<ExportResult> exported;
  std::optional<ImportResult> imported;
  std::optional<std::vector<DriftItem>> drift;  // diff's findings
  int exit_code = 0;
  std::optional<std::string> error;  // the failure main prints, without "pgtote: error: "
  ServerError server_error;          // the server's fields when the server refused a statement
};

std::string report_json(const RunReport& report);

// Runs `body` (which returns the exit code) and, when `path` is set, writes the report with that
// exit code; when `body` throws, writes it with the error and its exit code, then rethrows, so
// main still prints the error and exits with it.
int run_with_report(const std::optional<std::string>& path, RunReport& report, const std::function<int()>& body);

}  // namespace pgtote
