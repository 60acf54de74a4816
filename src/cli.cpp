// Subcommands and their flags. Results go to stdout only when the user asked for them there;
// notes, statistics and progress go to stderr.
#include "pgtote/cli.h"

#include <cstdlib>
#include <cxxopts.hpp>
#include <filesystem>
#include <iostream>

#include "pgtote/catalog.h"
#include "pgtote/config.h"
#include "pgtote/config_starter.h"
#include "pgtote/connection_target.h"
#include "pgtote/delete_missing.h"
#include "pgtote/error.h"
#include "pgtote/exporter.h"
#include "pgtote/importer.h"
#include "pgtote/match_map.h"
#include "pgtote/nearest_name.h"
#include "pgtote/report.h"
#include "pgtote/report_file.h"
#include "pgtote/schema_drift.h"
#include "pgtote/snapshot_reader.h"
#include "pgtote/table_filter.h"

namespace pgtote {

namespace {

// One subcommand: its flags (`define`), what it does with them (`run`), and the words its help,
// the man page and the completions show.
struct Command {
  const char* name;
  const char* summary;      // its line in `pgtote --help`
  const char* description;  // atop `pgtote NAME --help`
  const char* positional;   // "FILE", "[FILE]", or nullptr when it takes no argument
  void (*define)(cxxopts::Options& options);
  int (*run)(const cxxopts::ParseResult& args);
};

// The positional FILE is an option to cxxopts; this group keeps it out of the help.
const char* const positional_group = "positional";

// The values of the flags that name them, for the help and the completions.
const std::vector<std::string> existing_modes = {"update", "keep", "fail"};
const std::vector<std::string> framework_names = {"prisma", "drizzle", "rails", "django", "laravel", "none"};

std::vector<std::string> visible_groups(const cxxopts::Options& options) {
  std::vector<std::string> groups;
  for (const auto& group : options.groups())
    if (group != positional_group) groups.push_back(group);
  return groups;
}

cxxopts::Options command_options(const Command& command) {
  cxxopts::Options options(std::string("pgtote ") + command.name, command.description);
  command.define(options);
  options.add_options()("h,help", "show this help");
  if (command.positional) {
    options.add_options(positional_group)("file", "snapshot file", cxxopts::value<std::string>());
    options.parse_positional({"file"});
    options.positional_help(command.positional);
  }
  return options;
}

std::string command_help_text(const Command& command) {
  cxxopts::Options options = command_options(command);
  return options.help(visible_groups(options));
}

// A whole number flag, checked here so the error names the flag (cxxopts' own does not).
int whole_number(const cxxopts::ParseResult& args, const char* name, const char* spelled, int low, int high) {
  std::string text = args[name].as<std::string>();
  size_t used = 0;
  int value = 0;
  try {
    value = std::stoi(text, &used);
  } catch (const std::exception&) {
    used = 0;
  }
  if (used == 0 || used != text.size() || value < low || value > high)
    throw Error(ExitCode::usage, std::string(spelled) + ": expected a whole number from " + std::to_string(low) +
                                     " to " + std::to_string(high) + ", not '" + text + "'");
  return value;
}

void add_selection_options(cxxopts::Options& options) {
  options.add_options("Tables")("t,table", "only tables matching GLOB (name or schema.name); repeatable",
                                cxxopts::value<std::vector<std::string>>(), "GLOB")(
      "T,exclude-table", "leave out tables matching GLOB; repeatable", cxxopts::value<std::vector<std::string>>(),
      "GLOB")("n,schema", "only tables in SCHEMA; repeatable", cxxopts::value<std::vector<std::string>>(), "SCHEMA")(
      "skip-audit", "leave out audit tables (*audit*, schema audit)")(
      "audit-pattern", "GLOB naming audit tables, replaces the default; repeatable",
      cxxopts::value<std::vector<std::string>>(),
      "GLOB")("include-migration-tables", "keep migration-history tables (_prisma_migrations...)");
}

void add_config_option(cxxopts::Options& options) {
  options.add_options()("config", "settings file (default ./pgtote.yml when it exists); flags beat it",
                        cxxopts::value<std::string>(), "FILE");
}

std::optional<std::string> optional_string(const cxxopts::ParseResult& args, const char* name) {
  if (!args.count(name)) return std::nullopt;
  return args[name].as<std::string>();
}

// --config FILE, else ./pgtote.yml when it exists: every command reads it, flags beat it.
Config config_from(const cxxopts::ParseResult& args) { return load_config(optional_string(args, "config")); }

// A flag's values when given (a repeated flag replaces the file's list, it does not add to it),
// else the config file's.
std::vector<std::string> strings(const cxxopts::ParseResult& args, const char* name,
                                 const std::optional<std::vector<std::string>>& from_config) {
  if (args.count(name)) return args[name].as<std::vector<std::string>>();
  return from_config.value_or(std::vector<std::string>{});
}

bool flag_or(const cxxopts::ParseResult& args, const char* name, const std::optional<bool>& from_config) {
  return args.count(name) > 0 || from_config.value_or(false);
}

TableSelection selection_from(const cxxopts::ParseResult& args, const Config& config) {
  TableSelection selection;
  selection.include_patterns = strings(args, "table", config.tables);
  selection.exclude_patterns = strings(args, "exclude-table", config.exclude_tables);
  selection.schemas = strings(args, "schema", config.schemas);
  selection.skip_audit = flag_or(args, "skip-audit", config.skip_audit);
  selection.audit_patterns = strings(args, "audit-pattern", config.audit_patterns);
  selection.include_migration_tables = flag_or(args, "include-migration-tables", config.include_migration_tables);
  return selection;
}

// --source/--target, else the config file's source/target, else DATABASE_URL, .env, PG*. Says
// which on stderr, once per database (not with -q).
ConnectionTarget connection_from(const cxxopts::ParseResult& args, const char* flag, const Config& config) {
  const auto& from_config = std::string(flag) == "source" ? config.source : config.target;
  ConnectionTarget target =
      resolve_connection_with_config(optional_string(args, flag), std::string("--") + flag, from_config, config.path);
  if (!args.count("quiet")) std::cerr << "pgtote: " << describe_connection(target, flag) << "\n";
  return target;
}

// Prisma's ?schema=NAME selects that schema when neither -n nor pgtote.yml's schemas do.
void apply_url_schema(TableSelection& selection, const ConnectionTarget& target) {
  if (selection.schemas.empty() && target.schema) selection.schemas = {*target.schema};
}

void define_export(cxxopts::Options& options) {
  options.add_options()("source",
                        "source database (libpq URI or key=value); default pgtote.yml source, DATABASE_URL, .env, PG*",
                        cxxopts::value<std::string>(), "URL")(
      "o,output", "snapshot file, - for stdout (default exports/export-<time>.json)", cxxopts::value<std::string>(),
      "FILE")("report", "write a JSON report to FILE (docs/report.schema.json), also when the run fails",
              cxxopts::value<std::string>(),
              "FILE")("j,jobs", "read N tables at once on N connections sharing one snapshot (default 2)",
                      cxxopts::value<std::string>(),
                      "N")("dry-run", "print per table the rows the export would write, and why; write no file")(
      "enable-row-security",
      "export only the rows this role's row-level security policies show, and mark the snapshot filtered "
      "(without it, such an export is refused)")("q,quiet", "no progress, no statistics");
  add_selection_options(options);
  add_config_option(options);
}

int export_command(const cxxopts::ParseResult& args) {
  Config config = config_from(args);
  ExportOptions export_options;
  export_options.jobs = args.count("jobs") ? whole_number(args, "jobs", "-j/--jobs", 1, 64) : config.jobs.value_or(2);
  export_options.jobs_asked = args.count("jobs") || config.jobs;
  export_options.source = connection_from(args, "source", config);
  export_options.output = optional_string(args, "output").value_or("");
  export_options.selection = selection_from(args, config);
  apply_url_schema(export_options.selection, export_options.source);
  export_options.enable_row_security = args.count("enable-row-security") > 0;
  export_options.subset = config.subset;
  export_options.anonymize = config.anonymize;
  export_options.dry_run = args.count("dry-run") > 0;
  bool quiet = args.count("quiet") > 0;
  export_options.progress = !quiet;
  if (export_options.output.empty() && !export_options.dry_run) {
    std::filesystem::create_directories("exports");
    export_options.output = default_export_path();
  }

  RunReport report;
  report.command = "export";
  report.dry_run = export_options.dry_run;
  report.snapshot = export_options.dry_run ? "" : export_options.output;
  report.source = mask_password(export_options.source.conninfo);
  export_options.facts = &report.facts;
  return run_with_report(optional_string(args, "report"), report, [&] {
    report.exported = run_export(export_options, [&](const std::string& note) {
      report.notes.push_back(note);
      if (!quiet) std::cerr << "pgtote: " << note << "\n";
    });
    const ExportResult& result = *report.exported;
    if (export_options.dry_run) {
      std::cout << format_export_preview(result);
      if (!quiet) std::cerr << "dry run: no file was written\n";
      return 0;
    }
    if (!quiet) {
      std::cerr << format_export_stats(result);
      if (result.path != "-") std::cerr << "wrote " << result.path << "\n";
    }
    return 0;
  });
}

void define_order(cxxopts::Options& options) {
  options.add_options()("source",
                        "database (libpq URI or key=value); default pgtote.yml source, DATABASE_URL, .env, PG*",
                        cxxopts::value<std::string>(), "URL");
  add_selection_options(options);
  add_config_option(options);
}

int order_command(const cxxopts::ParseResult& args) {
  Config config = config_from(args);
  ConnectionTarget source = connection_from(args, "source", config);
  TableSelection selection = selection_from(args, config);
  apply_url_schema(selection, source);
  Connection connection = Connection::open(source.conninfo);
  OrderedTables selected = select_and_order(connection, selection);
  for (const auto& note : selected.notes) std::cerr << "pgtote: " << note << "\n";
  std::vector<std::string> marks(selected.tables.size());
  for (size_t c = 0; c < selected.order.components.size(); ++c) {
    const auto& members = selected.order.components[c];
    if (members.size() == 1) {
      marks[members[0]] = "  [self-reference]";
      continue;
    }
    std::string names;
    for (size_t m : members) names += (names.empty() ? "" : ", ") + selected.tables[m].qualified_name();
    for (size_t m : members) marks[m] = "  [cycle " + std::to_string(c + 1) + ": " + names + "]";
  }
  for (size_t i = 0; i < selected.tables.size(); ++i)
    std::cout << selected.tables[i].qualified_name() << marks[i] << "\n";
  return 0;
}

void define_inspect(cxxopts::Options& options) { add_config_option(options); }

int inspect_command(const cxxopts::ParseResult& args) {
  config_from(args);  // nothing in it applies to inspect, but a broken file is said at once, as everywhere
  if (!args.count("file")) throw Error(ExitCode::usage, "inspect needs a snapshot FILE (pgtote inspect FILE)");

  std::string path = args["file"].as<std::string>();
  SnapshotReader reader(path);
  const SnapshotInfo& info = reader.info();
  std::cout << "snapshot:  " << path << "\n"
            << "format:    pgtote-snapshot version " << info.version << ", written by " << info.tool << "\n"
            << "exported:  " << info.exported_at << "\n"
            << "source:    database " << info.database << ", PostgreSQL " << info.server_version << "\n"
            << "identity:  "
            << (info.system_identifier.empty() || info.database_oid.empty()
                    ? "none (written by an older pgtote, or by a role that may not run pg_control_system()): an "
                      "import with match rules keys its id mapping by the database name"
                    : "system " + info.system_identifier + ", database oid " + info.database_oid)
            << "\n";
  if (!info.subset.empty()) std::cout << "subset:    " << info.subset << "\n";
  std::vector<bool> filtered(info.order.size(), false);
  if (!info.filtered_by_row_security.empty()) {
    std::string names;
    for (const auto& [schema, name] : info.filtered_by_row_security) {
      names += (names.empty() ? "" : ", ") + schema + "." + name;
      for (size_t i = 0; i < info.order.size(); ++i)
        if (info.order[i] == std::pair{schema, name}) filtered[i] = true;
    }
    std::cout << "filtered:  by row-level security (exported with --enable-row-security; rows the role could not "
                 "see are missing) in "
              << names << "\n";
  }
  if (info.anonymized) {
    std::cout << "anonymized: " << info.anonymized_columns.size()
              << " column(s) transformed (the salt is not stored)\n";
    for (const auto& c : info.anonymized_columns)
      std::cout << "  " << c.schema << "." << c.table << "." << c.column << "  " << c.transform
                << (c.follows.empty() ? "" : "  (follows " + c.follows + ")") << "\n";
  }
  std::vector<size_t> component_of(info.order.size(), 0);
  for (size_t c = 0; c < info.components.size(); ++c)
    for (size_t m : info.components[c]) component_of[m] = c + 1;
  Table table;
  uint64_t total = 0;
  size_t position = 0;
  std::cout << "tables (dependency order):\n";
  while (reader.next_table(table)) {
    uint64_t rows = reader.skip_rows();
    total += rows;
    std::cout << "  " << table.qualified_name() << "  rows " << rows;
    if (!table.primary_key.empty()) std::cout << "  primary key " << key_text(table.primary_key);
    for (const auto& unique : table.unique_keys) std::cout << "  unique " << key_text(unique.columns);
    if (position < component_of.size() && component_of[position])
      std::cout << "  [cycle group " << component_of[position] << "]";
    if (position < filtered.size() && filtered[position]) std::cout << "  [filtered by row-level security]";
    std::cout << "\n";
    ++position;
  }
  std::cout << "total:     " << position << " tables, " << total << " rows\n";
  return 0;
}

void define_import(cxxopts::Options& options) {
  options.add_options()(
      "target", "target database (libpq URI or key=value); default pgtote.yml target, DATABASE_URL, .env, PG*",
      cxxopts::value<std::string>(), "URL")("dry-run", "print (on stdout) what the import would do, and write nothing")(
      "existing", "rows whose key exists: update (default), keep, fail",
      cxxopts::value<std::string>()->default_value("update"),
      "MODE")("skip-conflicts",
              "skip rows that collide on a unique key or index or an exclusion constraint (and rows that lose their "
              "parent with them)")("ignore-missing-columns",
                                   "import the columns the target has; drop the snapshot's others (and say which)")(
      "allow-lossy", "store values a narrower target column rounds or trims (each is still listed)")(
      "require-anonymized", "refuse a snapshot that was not anonymized, before touching the target")(
      "yes", "write to a target whose host is not local (also PGTOTE_ALLOW_REMOTE=1)")(
      "continue-on-error", "commit one dependency level at a time; set rows the server rejects aside, import the rest")(
      "reject-file", "where --continue-on-error writes rejected rows (JSON Lines; default next to the report)",
      cxxopts::value<std::string>(),
      "FILE")("show-diff", "with --dry-run: show up to N changed rows per table, column by column",
              cxxopts::value<std::string>(),
              "N")("disable-triggers", "do not fire the target's triggers (needs a superuser role)")(
      "no-defer-keys",
      "keep the foreign keys of empty target tables in place (checked row by row) instead of dropping them "
      "until the rows are in, which locks those tables and their parents ACCESS EXCLUSIVE until the end")(
      "report", "write a JSON report to FILE (docs/report.schema.json), also when the run fails",
      cxxopts::value<std::string>(), "FILE")("q,quiet", "no progress, no statistics");
  options.add_options("Identity")(
      "match",
      "match TABLE's rows on a business key (COL[,COL]), keeping the target's ids, or give every row a new id "
      "(TABLE=new); references are rewritten; beats pgtote.yml match: per table; repeatable",
      cxxopts::value<std::vector<std::string>>(), "TABLE=COL[,COL]")(
      "refuse-identity-changes",
      "refuse (exit 7) an update that changes the value of a unique key (the target's row may be another one)");
  options.add_options("Deletes")(
      "delete-missing",
      "delete target rows the snapshot does not hold, in the tables it carries (children first; the dry run "
      "counts ON DELETE CASCADE and SET NULL too)")(
      "max-delete", "with --delete-missing: refuse the whole import when a table would lose more than N rows or P%",
      cxxopts::value<std::string>(), "N|P%");
  add_selection_options(options);
  add_config_option(options);
}

// Prints what the import did (a dry run's report on stdout: it is what the user asked for; the
// import's statistics on stderr), writes the reject file, and picks the exit code.
int finish_import(const ImportResult& result, bool quiet, const std::optional<std::string>& report,
                  const std::optional<std::string>& reject_file) {
  std::ostream& shown = result.dry_run ? std::cout : std::cerr;
  if (!quiet || !result.ok) shown << format_import_stats(result);
  if (!result.rejected.empty() && result.dry_run && !reject_file) {
    // A dry run writes no file unless asked: it names the rows the import would set aside.
    shown << "the import would set " << result.rejected.size() << " rows aside (--reject-file FILE keeps them):\n";
    for (size_t i = 0; i < result.rejected.size() && i < 5; ++i)
      shown << "  " << result.rejected[i].table << " row " << result.rejected[i].row << ": " << result.rejected[i].error
            << "\n";
  } else if (!result.rejected.empty()) {
    std::string path = reject_file.value_or("");
    if (path.empty() && report) path = report->substr(0, report->rfind(".json")) + ".rejects.jsonl";
    if (path.empty()) {
      std::filesystem::create_directories("exports");
      path = default_export_path();  // exports/export-<time>.json -> exports/import-rejects-<time>.jsonl
      path.replace(path.find("export-"), 7, "import-rejects-");
      path.replace(path.size() - 5, 5, ".jsonl");
    }
    write_text_file(path, reject_lines(result.rejected));
    std::cerr << "wrote " << result.rejected.size() << " rejected rows to " << path << "\n";
  }
  if (result.drift_blocks) return static_cast<int>(ExitCode::drift);
  if (!result.ok) return static_cast<int>(ExitCode::rejected);
  if (!quiet)
    shown << (result.dry_run ? "dry run: the import would succeed; nothing was written\n" : "import committed\n");
  return 0;
}

int import_command(const cxxopts::ParseResult& args) {
  Config config = config_from(args);
  if (!args.count("file")) throw Error(ExitCode::usage, "import needs a snapshot FILE (pgtote import FILE)");

  ImportOptions import_options;
  import_options.snapshot_path = args["file"].as<std::string>();
  import_options.target = connection_from(args, "target", config);
  import_options.selection = selection_from(args, config);
  apply_url_schema(import_options.selection, import_options.target);
  import_options.dry_run = args.count("dry-run") > 0;
  std::string existing = args["existing"].as<std::string>();
  if (existing == "update")
    import_options.existing = ExistingRows::update;
  else if (existing == "keep")
    import_options.existing = ExistingRows::keep;
  else if (existing == "fail")
    import_options.existing = ExistingRows::fail;
  else
    throw Error(ExitCode::usage, "--existing must be update, keep or fail, not '" + existing + "'");
  import_options.skip_conflicts = args.count("skip-conflicts") > 0;
  import_options.allow_lossy = args.count("allow-lossy") > 0;
  import_options.require_anonymized = args.count("require-anonymized") > 0;
  import_options.ignore_missing_columns = args.count("ignore-missing-columns") > 0;
  const char* allow_remote = std::getenv("PGTOTE_ALLOW_REMOTE");
  import_options.allow_remote = args.count("yes") > 0 || (allow_remote && std::string(allow_remote) == "1");
  import_options.continue_on_error = args.count("continue-on-error") > 0;
  import_options.show_diff = args.count("show-diff") ? whole_number(args, "show-diff", "--show-diff", 0, 1000000) : 0;
  import_options.disable_triggers = args.count("disable-triggers") > 0;
  import_options.defer_keys = args.count("no-defer-keys") == 0;
  std::vector<MatchRule> flag_rules;
  if (args.count("match"))
    for (const auto& text : rejoin_match_flags(args["match"].as<std::vector<std::string>>()))
      flag_rules.push_back(parse_match_flag(text));
  import_options.match = merge_match_rules(config.match, flag_rules);
  import_options.match_map_schema = config.match_map_schema.value_or("pgtote");
  import_options.virtual_foreign_keys = config.subset.virtual_foreign_keys;
  import_options.refuse_identity_changes = args.count("refuse-identity-changes") > 0;
  import_options.delete_missing = args.count("delete-missing") > 0;
  import_options.subset_scope = config.subset;
  if (auto cap = optional_string(args, "max-delete")) {
    if (!import_options.delete_missing) throw Error(ExitCode::usage, "--max-delete caps --delete-missing: give both");
    import_options.max_delete = parse_delete_cap(*cap);
  }
  bool quiet = args.count("quiet") > 0;
  import_options.progress = !quiet;

  RunReport run_report;
  run_report.command = "import";
  run_report.dry_run = import_options.dry_run;
  run_report.snapshot = import_options.snapshot_path;
  run_report.target = mask_password(import_options.target.conninfo);
  import_options.facts = &run_report.facts;
  auto report = optional_string(args, "report");
  return run_with_report(report, run_report, [&] {
    run_report.imported = run_import(import_options, [&](const std::string& note) {
      run_report.notes.push_back(note);
      if (!quiet) std::cerr << "pgtote: " << note << "\n";
    });
    return finish_import(*run_report.imported, quiet, report, optional_string(args, "reject-file"));
  });
}

void define_diff(cxxopts::Options& options) {
  options.add_options()(
      "source", "compare a live source database instead of a snapshot (default without FILE: pgtote.yml source)",
      cxxopts::value<std::string>(),
      "URL")("target", "target database (libpq URI or key=value); default pgtote.yml target, DATABASE_URL, .env, PG*",
             cxxopts::value<std::string>(),
             "URL")("report", "write a JSON report to FILE (docs/report.schema.json), also when the run fails",
                    cxxopts::value<std::string>(), "FILE");
  add_selection_options(options);
  add_config_option(options);
}

// diff's findings on stdout; the exit code says whether there is drift.
int print_drift(const std::vector<DriftItem>& items, bool from_snapshot) {
  size_t blocking = 0;
  for (const auto& item : items) {
    blocking += item.blocking;
    std::cout << (item.blocking ? "[blocks] " : "") << drift_kind_name(item.kind) << ": " << item.message << "\n";
    if (!item.suggestion.empty()) std::cout << "    suggestion: " << item.suggestion << "\n";
  }
  if (items.empty()) {
    std::cout << "no drift: the target has every table and column of the " << (from_snapshot ? "snapshot" : "source")
              << "\n";
    return 0;
  }
  std::cout << items.size() << " difference" << (items.size() == 1 ? "" : "s") << ", " << blocking
            << " blocking an import (suggested SQL is a starting point: review it, run it through your migrations)\n";
  return static_cast<int>(ExitCode::drift);
}

int diff_command(const cxxopts::ParseResult& args) {
  Config config = config_from(args);
  if (args.count("file") && args.count("source"))
    throw Error(ExitCode::usage,
                "diff compares a snapshot FILE or a --source database with the target: give one of them");
  if (!args.count("file") && !args.count("source") && !config.source)
    throw Error(ExitCode::usage,
                "diff compares a snapshot FILE or a source database (--source, or source: in pgtote.yml) with the "
                "target: give one of them");

  std::optional<ConnectionTarget> source;
  if (!args.count("file")) source = connection_from(args, "source", config);
  ConnectionTarget target = connection_from(args, "target", config);
  TableSelection selection = selection_from(args, config);
  apply_url_schema(selection, source && source->schema ? *source : target);
  RunReport report;
  report.command = "diff";
  if (args.count("file")) report.snapshot = args["file"].as<std::string>();
  if (source) report.source = mask_password(source->conninfo);
  report.target = mask_password(target.conninfo);
  return run_with_report(optional_string(args, "report"), report, [&] {
    std::vector<Table> source_tables;
    if (args.count("file")) {
      SnapshotReader reader(report.snapshot);
      Table table;
      while (reader.next_table(table)) {
        reader.skip_rows();
        if (!selection_excludes(table, selection, true)) source_tables.push_back(table);
      }
    } else {
      Connection source_connection = Connection::open(source->conninfo);
      source_tables = select_and_order(source_connection, selection).tables;
    }
    Connection target_connection = Connection::open(target.conninfo);
    report.facts.server_version = target_connection.server_version();
    report.drift = schema_drift(source_tables, read_catalog(target_connection));
    return print_drift(*report.drift, args.count("file") > 0);
  });
}

void define_map(cxxopts::Options& options) {
  options.add_options()("target",
                        "target database (libpq URI or key=value); default pgtote.yml target, DATABASE_URL, .env, PG*",
                        cxxopts::value<std::string>(), "URL");
  add_config_option(options);
}

int map_command(const cxxopts::ParseResult& args) {
  Config config = config_from(args);
  std::string schema = config.match_map_schema.value_or("pgtote");
  Connection connection = Connection::open(connection_from(args, "target", config).conninfo);
  if (!match_map_exists(connection, schema)) {
    std::cerr << "no id mapping in " << connection.describe() << " (no " << schema
              << ".match_map: nothing was imported there with match rules)\n";
    return 0;
  }
  auto entries = read_match_map(connection, schema);
  // A source known by name only (an older snapshot's) shows "-" for the identity it lacks.
  auto shown = [](const std::string& value, const char* unknown) { return value == unknown ? "-" : value; };
  std::cout << "source system\tsource database oid\tsource database\ttable\tsnapshot key\ttarget key\trecorded at\n";
  for (const auto& e : entries)
    std::cout << shown(e.source_system_identifier, "") << "\t" << shown(e.source_database_oid, "0") << "\t"
              << e.source_database << "\t" << e.table << "\t" << e.snapshot_key << "\t" << e.target_key << "\t"
              << e.recorded_at << "\n";
  std::cerr << entries.size() << " mapped row" << (entries.size() == 1 ? "" : "s") << " in " << schema
            << ".match_map (DROP SCHEMA " << schema << " CASCADE forgets them)\n";
  return 0;
}

void define_init(cxxopts::Options& options) {
  options.add_options()("config", "the file to write",
                        cxxopts::value<std::string>()->default_value(default_config_file), "FILE")(
      "framework", "prisma, drizzle, rails, django, laravel or none (default: detected from the folder)",
      cxxopts::value<std::string>(), "NAME");
}

int init_command(const cxxopts::ParseResult& args) {
  Framework framework = detect_framework(".");
  if (auto flag = optional_string(args, "framework"); flag && !framework_from_flag(*flag, framework))
    throw Error(ExitCode::usage,
                "--framework must be prisma, drizzle, rails, django, laravel or none, not '" + *flag + "'");
  std::string path = args["config"].as<std::string>();
  std::string project = std::filesystem::current_path().filename().string();
  write_new_file(path, starter_config(framework, project));
  std::cerr << "wrote " << path << " for " << framework_name(framework)
            << "; every setting in it is a commented example: uncomment what you need\n";
  return 0;
}

const Command commands[] = {
    {"export", "write the source database's tables into a JSON snapshot",
     "Writes the source database's tables, parents first, into one JSON snapshot.", nullptr, define_export,
     export_command},
    {"import", "replay a snapshot into the target database (upserts, --dry-run)",
     "Replays a snapshot into the target database with upserts, parents first, in one transaction.", "FILE",
     define_import, import_command},
    {"diff", "report how the target's schema differs from a snapshot or a source",
     "Reports how the target's tables differ from a snapshot's, or from a live source database (--source).", "[FILE]",
     define_diff, diff_command},
    {"map", "list the id mapping imports with match rules keep in the target",
     "Lists the id mapping that imports with match rules keep in the target (tab-separated on stdout).", nullptr,
     define_map, map_command},
    {"order", "print the tables in foreign-key dependency order",
     "Prints the tables in dependency order (parents first), cycles marked.", nullptr, define_order, order_command},
    {"inspect", "print a snapshot's header, tables, row counts and keys",
     "Prints a snapshot's header and its tables with row counts and keys.", "FILE", define_inspect, inspect_command},
    {"init", "write a commented starter pgtote.yml for this folder's framework",
     "Writes a commented starter pgtote.yml for the framework this folder uses; never overwrites.", nullptr,
     define_init, init_command},
};

std::vector<std::string> command_names() {
  std::vector<std::string> names;
  for (const auto& command : commands) names.push_back(command.name);
  return names;
}

const Command& find_command(const std::string& name) {
  for (const auto& command : commands)
    if (name == command.name) return command;
  std::string message = "unknown command '" + name + "'";
  if (auto nearest = nearest_name(name, command_names())) message += "; did you mean '" + *nearest + "'?";
  throw Error(ExitCode::usage, message + " (pgtote --help lists the commands)");
}

void print_usage(std::ostream& out) {
  out << "pgtote " << PGTOTE_VERSION << ": carries PostgreSQL data between databases as a JSON snapshot\n\n"
      << "usage: pgtote COMMAND [OPTIONS]   (pgtote help COMMAND or pgtote COMMAND --help for its options)\n"
      << "       pgtote --version\n\ncommands:\n";
  for (const auto& command : commands)
    out << "  " << command.name << std::string(10 - std::string(command.name).size(), ' ') << command.summary << "\n";
  out << "\nEvery command reads ./pgtote.yml when it exists (or --config FILE); its flags beat the file.\n"
      << "The manual (man pgtote) lists every flag and the exit codes.\n";
}

int run_command(const Command& command, int argc, char** argv) {
  cxxopts::Options options = command_options(command);
  cxxopts::ParseResult args;
  try {
    args = options.parse(argc, argv);
  } catch (const cxxopts::exceptions::exception& e) {
    throw Error(ExitCode::usage, std::string(e.what()) + " (see pgtote " + command.name + " --help)");
  }
  if (args.count("help")) {
    std::cout << options.help(visible_groups(options));
    return 0;
  }
  if (!args.unmatched().empty())
    throw Error(ExitCode::usage, "unexpected argument '" + args.unmatched().front() + "': pgtote " + command.name +
                                     " takes " + (command.positional ? "one snapshot FILE" : "no FILE") +
                                     " (see pgtote " + command.name + " --help)");
  return command.run(args);
}

}  // namespace

std::vector<CommandHelp> describe_commands() {
  std::vector<CommandHelp> described;
  for (const auto& command : commands) {
    CommandHelp help{
        command.name, command.summary, command.description, command.positional ? command.positional : "", {}};
    cxxopts::Options options = command_options(command);
    for (const auto& group : visible_groups(options)) {
      for (const auto& detail : options.group_help(group).options) {
        OptionHelp option;
        option.short_name = detail.s;
        option.long_name = detail.l.empty() ? "" : detail.l.front();
        option.description = detail.desc;
        if (!detail.is_boolean) option.value_name = detail.arg_help.empty() ? "VALUE" : detail.arg_help;
        option.takes_file = option.value_name == "FILE";
        option.repeatable = detail.is_container;
        if (option.long_name == "existing") option.choices = existing_modes;
        if (option.long_name == "framework") option.choices = framework_names;
        help.options.push_back(option);
      }
    }
    described.push_back(help);
  }
  return described;
}

int run_cli(int argc, char** argv) {
  if (argc < 2) {
    print_usage(std::cerr);
    return static_cast<int>(ExitCode::usage);
  }
  std::string name = argv[1];
  if (name == "-h" || name == "--help" || (name == "help" && argc == 2)) {
    print_usage(std::cout);
    return 0;
  }
  if (name == "help") {
    if (argc > 3)
      throw Error(ExitCode::usage, "unexpected argument '" + std::string(argv[3]) + "': pgtote help takes one COMMAND");
    std::cout << command_help_text(find_command(argv[2]));
    return 0;
  }
  if (name == "-V" || name == "--version" || name == "version") {
    std::cout << "pgtote " << PGTOTE_VERSION << "\n";
    return 0;
  }
  return run_command(find_command(name), argc - 1, argv + 1);
}

}  // namespace pgtote
