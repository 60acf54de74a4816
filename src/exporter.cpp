// The export pipeline. All reads share one REPEATABLE READ READ ONLY transaction, so the snapshot
// is consistent while the source takes writes; rows stream from COPY into the file.
#include "pgtote/exporter.h"

#include <algorithm>
#include <atomic>
#include <cerrno>
#include <chrono>
#include <condition_variable>
#include <cstring>
#include <ctime>
#include <memory>
#include <mutex>
#include <optional>
#include <stdexcept>
#include <thread>

#include "pgtote/anonymizer.h"
#include "pgtote/catalog.h"
#include "pgtote/dep_graph.h"
#include "pgtote/error.h"
#include "pgtote/export_plan.h"
#include "pgtote/output_file.h"
#include "pgtote/progress.h"
#include "pgtote/row_security.h"
#include "pgtote/row_spool.h"
#include "pgtote/snapshot_writer.h"
#include "pgtote/source_identity.h"
#include "pgtote/subset_closure.h"
#include "pgtote/subset_graph.h"

namespace pgtote {

namespace {

std::string format_time(std::time_t t, const char* pattern, bool utc) {
  std::tm tm{};
  if (utc)
    gmtime_r(&t, &tm);
  else
    localtime_r(&t, &tm);
  char buffer[64];
  std::strftime(buffer, sizeof buffer, pattern, &tm);
  return buffer;
}

// Session settings that make the text form of every value stable and lossless, and row_security
// as asked, on every connection (the main one and -j's helpers alike). jit off: the reads are plain
// scans and key lookups, whose cost estimates (a big table, a recursive subset query) pass
// jit_above_cost, and compiling then took longer than the query (0.4 s for a 10 ms subset step).
std::string session_sql(const ExportOptions& options) {
  return "SET client_encoding = 'UTF8'; SET datestyle = 'ISO, YMD'; SET intervalstyle = 'postgres'; "
         "SET extra_float_digits = 1; SET bytea_output = 'hex'; SET timezone = 'UTC'; "
         "SET statement_timeout = 0; SET work_mem = '64MB'; SET jit = off; " +
         row_security_setting_sql(options.enable_row_security);
}

}  // namespace

std::string default_export_path() {
  return "exports/export-" + format_time(std::time(nullptr), "%Y-%m-%dT%H-%M-%S", false) + ".json";
}

OrderedTables select_and_order(Connection& connection, const TableSelection& selection) {
  FilterResult filtered = filter_tables(read_catalog(connection), selection);
  std::vector<std::string> names;
  for (const auto& table : filtered.tables) names.push_back(order_key(table));
  TableOrder order = dependency_order(names, foreign_key_edges(filtered.tables));

  OrderedTables result;
  std::vector<size_t> position(filtered.tables.size());
  for (size_t i = 0; i < order.order.size(); ++i) {
    position[order.order[i]] = i;
    result.tables.push_back(std::move(filtered.tables[order.order[i]]));
    result.order.order.push_back(i);
  }
  for (const auto& component : order.components) {
    std::vector<size_t> members;
    for (size_t member : component) members.push_back(position[member]);
    result.order.components.push_back(members);
  }
  result.notes = std::move(filtered.notes);
  return result;
}

namespace {

double seconds_since(std::chrono::steady_clock::time_point start) {
  return std::chrono::duration<double>(std::chrono::steady_clock::now() - start).count();
}

// Writes one table's section: its description, then the rows its plan read before (a subset's),
// then those it reads, streamed from COPY.
// Stops early (with an Error) when `abort` turns true, so a failed parallel export does not read on.
// `anonymizer` (or nullptr) transforms the values of the table at `position`. Rows and bytes go to
// `progress` as they stream: added to its counts when `parallel` (several tables share them).
TableStats write_table(Connection& connection, const ExportPlan& plan, SnapshotWriter& writer, Progress& progress,
                       bool parallel, const std::atomic<bool>* abort, const Anonymizer* anonymizer, size_t position) {
  const Table& table = *plan.table;
  auto started = std::chrono::steady_clock::now();
  uint64_t rows = 0, bytes_before = writer.bytes(), shown_rows = 0, shown_bytes = 0;
  auto show = [&] {
    uint64_t bytes = writer.bytes() - bytes_before;
    if (parallel)
      progress.add(rows - shown_rows, bytes - shown_bytes);
    else
      progress.update(rows, bytes);
    shown_rows = rows;
    shown_bytes = bytes;
  };
  writer.begin_table(table, anonymizer ? anonymizer->table(position) : nullptr);
  auto write_row = [&](std::string_view row) {
    writer.copy_row(row);
    ++rows;
    if ((rows & 255) == 0 && progress.enabled()) show();
    if (abort && (rows & 1023) == 0 && abort->load()) throw Error(ExitCode::failure, "stopped: another table failed");
  };
  try {
    if (plan.rows_read) plan.rows_read->for_each(write_row);
    auto copy = connection.copy_out("COPY (" + plan.sql() + ") TO STDOUT");
    for (std::string_view row; copy.next_row(row);) write_row(row);
  } catch (const Error& e) {
    throw Error(e.code(), "exporting table " + table.qualified_name() + ": " + e.what());
  } catch (const std::invalid_argument& e) {
    throw Error(ExitCode::failure,
                "exporting table " + table.qualified_name() + ", row " + std::to_string(rows + 1) + ": " + e.what());
  }
  writer.end_table(rows);
  show();
  return {table.schema, table.name, rows, writer.bytes() - bytes_before, seconds_since(started)};
}

// One table read by a worker: its snapshot section, encoded into an anonymous temporary file.
struct Spool {
  std::FILE* file = nullptr;  // deleted by the system when closed, even after a crash
  TableStats stats;
  std::exception_ptr error;
  bool done = false;
  ~Spool() {
    if (file) std::fclose(file);
  }
};

// A second connection into the export's transaction snapshot (pg_export_snapshot's `snapshot`).
Connection open_snapshot_reader(const ExportOptions& options, const std::string& snapshot) {
  Connection reader = Connection::open(options.source.conninfo);
  reader.exec(session_sql(options));
  reader.exec("BEGIN ISOLATION LEVEL REPEATABLE READ READ ONLY");
  reader.exec("SET TRANSACTION SNAPSHOT '" + snapshot + "'");
  return reader;
}

// -j N: N connections read tables at once, all in the transaction snapshot of `main`
// (pg_export_snapshot / SET TRANSACTION SNAPSHOT). Each table goes to a spool; the spools are
// appended in dependency order, so the file is byte-identical to a one-connection export. A table
// whose anonymized references look up outputs waits for their keys' tables (`anonymize_order`,
// AnonymizePlan::read_after). Returns false, having written nothing, when no second connection
// can be opened (the caller then reads one table at a time).
bool export_in_parallel(Connection& main, const std::string& snapshot, const ExportOptions& options,
                        const std::vector<ExportPlan>& tables, const Anonymizer* anonymizer,
                        const std::vector<std::vector<size_t>>& anonymize_order, OutputFile& file, ExportResult& result,
                        const std::function<void(const std::string&)>& notify) {
  std::vector<Connection> helpers;
  for (int k = 1; k < options.jobs; ++k) {
    try {
      helpers.push_back(open_snapshot_reader(options, snapshot));
    } catch (const Error& e) {  // e.g. too many connections: go on with fewer
      notify("reading with " + std::to_string(helpers.size() + 1) + " connection(s), not " +
             std::to_string(options.jobs) + ": " + e.what());
      break;
    }
  }
  if (helpers.empty()) return false;

  std::vector<Spool> spools(tables.size());
  std::mutex mutex;
  std::condition_variable finished;
  std::atomic<size_t> next{0};
  std::atomic<bool> abort{false};
  std::exception_ptr first_error;  // with `mutex` held
  // One line for every connection: the tables being read, how many are done, the rows of all.
  Progress progress(options.progress);
  progress.start({"exporting", "", "", ""});
  std::vector<size_t> reading;
  size_t done = 0;
  auto show_tables = [&] {  // with `mutex` held
    std::string names;
    for (size_t r : reading) names += (names.empty() ? "" : ", ") + tables[r].table->qualified_name();
    progress.rename(names, std::to_string(done) + " of " + std::to_string(tables.size()) + " tables done, " +
                               std::to_string(helpers.size() + 1) + " connections");
  };
  auto work = [&](Connection& connection) {
    for (size_t i = next++; i < tables.size() && !abort; i = next++) {
      Spool& spool = spools[i];
      {
        std::unique_lock lock(mutex);
        if (anonymizer && i < anonymize_order.size())  // its references take outputs these tables claim
          for (size_t before : anonymize_order[i]) finished.wait(lock, [&] { return spools[before].done || abort; });
        if (abort) break;
        reading.push_back(i);
        show_tables();
      }
      try {
        spool.file = std::tmpfile();
        if (!spool.file)
          throw Error(ExitCode::file, std::string("cannot create a temporary file: ") + std::strerror(errno));
        SnapshotWriter writer([&](std::string_view bytes) {
          if (std::fwrite(bytes.data(), 1, bytes.size(), spool.file) != bytes.size())
            throw Error(ExitCode::file, std::string("cannot write a temporary file: ") + std::strerror(errno));
        });
        writer.continue_after(i);
        spool.stats = write_table(connection, tables[i], writer, progress, true, &abort, anonymizer, i);
      } catch (...) {
        spool.error = std::current_exception();
        std::lock_guard lock(mutex);
        if (!first_error) first_error = spool.error;  // the others stop for it: theirs says "stopped"
        abort = true;
      }
      std::lock_guard lock(mutex);
      spool.done = true;
      reading.erase(std::find(reading.begin(), reading.end(), i));
      ++done;
      show_tables();
      finished.notify_all();
    }
  };
  std::vector<std::thread> threads;
  threads.emplace_back(work, std::ref(main));
  for (auto& helper : helpers) threads.emplace_back(work, std::ref(helper));
  struct Join {  // whatever happens below, no thread outlives its connection
    std::vector<std::thread>& threads;
    std::atomic<bool>& abort;
    ~Join() {
      abort = true;
      for (auto& t : threads) t.join();
    }
  } join{threads, abort};

  std::vector<char> buffer(1 << 20);
  for (size_t i = 0; i < tables.size(); ++i) {
    Spool& spool = spools[i];
    {
      std::unique_lock lock(mutex);
      // A table left unread (a failure elsewhere stopped its worker) is never done.
      finished.wait(lock, [&] { return spool.done || first_error; });
      if (first_error) std::rethrow_exception(first_error);
    }
    std::rewind(spool.file);
    while (size_t n = std::fread(buffer.data(), 1, buffer.size(), spool.file))
      file.write(std::string_view(buffer.data(), n));
    std::fclose(spool.file);
    spool.file = nullptr;
    result.tables.push_back(spool.stats);
    result.totals.rows += spool.stats.rows;
    result.totals.bytes += spool.stats.bytes;
  }
  for (auto& helper : helpers) helper.exec("COMMIT");
  return true;
}

}  // namespace

namespace {

// Each table's plan, narrowed to the subset when there is one. Everything is read in the export's
// transaction, before the file exists: a bad subset leaves nothing behind.
struct Plans {
  std::vector<ExportPlan> plans;
  std::optional<SubsetRecord> subset;
  std::optional<SubsetRows> subset_rows;
};

// Anonymization's `sql` transforms are evaluated by the source: they replace the column's
// expression in the table's plan (the plan's order stays on the stored columns).
void apply_sql_transforms(const AnonymizePlan& anonymize, std::vector<ExportPlan>& plans) {
  for (size_t i = 0; i < plans.size() && i < anonymize.tables.size(); ++i) {
    const auto& columns = anonymize.tables[i].columns;
    for (size_t c = 0; c < columns.size() && c < plans[i].select_list.size(); ++c)
      if (columns[c].kind == TransformKind::sql)
        plans[i].select_list[c] = sql_transform_expression(plans[i].table->columns[c], columns[c]);
  }
}

// The plans' select lists (with `sql` transforms) are made before the subset is: the rows a
// subset reads whole are read with them.
Plans make_plans(Connection& connection, const ExportOptions& options, const std::vector<const Table*>& tables,
                 const AnonymizePlan& anonymize, const std::string& shared_snapshot) {
  Plans result;
  for (const Table* table : tables) result.plans.push_back(plan_table(*table));
  apply_sql_transforms(anonymize, result.plans);
  if (options.subset.empty()) return result;
  SubsetGraph graph = resolve_subset(options.subset, tables, connection.server_version_num() >= 140000);
  std::vector<bool> read_whole(tables.size(), !options.dry_run);
  for (size_t t = 0; t < tables.size() && t < anonymize.tables.size(); ++t)
    if (anonymize.tables[t].any_client_side()) read_whole[t] = false;
  // With -j N, the tables the export reads by a filter are read on a second connection while the
  // closure looks for parents on the first (a wait on round trips, where the scans use the cores).
  std::function<Connection()> open_reader;
  if (options.jobs > 1 && !shared_snapshot.empty() && !options.dry_run)
    open_reader = [&] { return open_snapshot_reader(options, shared_snapshot); };
  result.subset_rows = find_subset_rows(connection, graph, result.plans, read_whole, open_reader);
  result.subset = SubsetRecord{options.subset, apply_subset(result.plans, graph, *result.subset_rows)};
  return result;
}

// --dry-run: per table, the rows the export would read and why; no file.
std::vector<TablePreview> preview(Connection& connection, const Plans& plans) {
  std::vector<TablePreview> out;
  for (size_t i = 0; i < plans.plans.size(); ++i) {
    const Table& table = *plans.plans[i].table;
    TablePreview entry{table.schema, table.name, 0, {}};
    if (plans.subset_rows && !plans.subset_rows->tables[i].filter.empty()) {  // read by its filter: counted
      entry.rows = static_cast<uint64_t>(connection.exec(plans.plans[i].count_sql()).number(0, 0));
      entry.reasons = plans.subset_rows->tables[i].reasons;
      for (auto& reason : entry.reasons) reason.second = entry.rows;
    } else if (plans.subset_rows) {
      entry.rows = plans.subset_rows->tables[i].rows.size();
      entry.reasons = plans.subset_rows->tables[i].reasons;
    } else {
      entry.rows = static_cast<uint64_t>(connection.exec(plans.plans[i].count_sql()).number(0, 0));
    }
    out.push_back(std::move(entry));
  }
  return out;
}

}  // namespace

ExportResult run_export(const ExportOptions& options, const std::function<void(const std::string&)>& notify) {
  Connection connection = Connection::open(options.source.conninfo);
  if (options.facts) options.facts->server_version = connection.server_version();
  connection.exec(session_sql(options));
  connection.exec("BEGIN ISOLATION LEVEL REPEATABLE READ READ ONLY");
  // The transaction snapshot is taken by the first query: the catalog is read in it too. With
  // -j N that query exports it for the other connections; a server that cannot (the error ends
  // the transaction) gets a new one, read on one connection.
  std::string shared_snapshot;
  if (options.jobs > 1) {
    try {
      shared_snapshot = connection.exec("SELECT pg_catalog.pg_export_snapshot()").text(0, 0);
    } catch (const Error& e) {
      if (e.server().sqlstate.empty()) throw;
      connection.exec("ROLLBACK");
      connection.exec("BEGIN ISOLATION LEVEL REPEATABLE READ READ ONLY");
      if (options.jobs_asked)
        notify("reading with one connection, not " + std::to_string(options.jobs) +
               ": the server cannot share the export's snapshot: " + e.what());
    }
  }
  OrderedTables selected = select_and_order(connection, options.selection);
  for (const auto& note : selected.notes) notify(note);
  std::vector<const Table*> tables;
  for (const auto& table : selected.tables) tables.push_back(&table);
  // Before the file exists: a refusal leaves nothing behind.
  RowSecurityCheck row_security = check_row_security(connection, tables);
  if (!row_security.filtered.empty() && !options.enable_row_security)
    throw Error(ExitCode::database, row_security_refusal(row_security, tables));
  AnonymizePlan anonymize = plan_anonymization(options.anonymize, tables, options.subset.virtual_foreign_keys);
  for (const auto& note : anonymize.notes) notify(note);
  std::unique_ptr<Anonymizer> anonymizer;
  if (!options.anonymize.empty() || options.anonymize.strict)
    anonymizer = std::make_unique<Anonymizer>(anonymize, options.anonymize.salt);
  if (shared_snapshot.find_first_not_of("0123456789ABCDEF-") != std::string::npos)
    throw Error(ExitCode::database, "unexpected snapshot id from the server: " + shared_snapshot);
  Plans plans = make_plans(connection, options, tables, anonymize, shared_snapshot);
  int jobs = options.jobs;
  if (jobs > 1 && anonymize.shared_domains) {
    if (options.jobs_asked)
      notify(
          "anonymize: a unique column's outputs are claimed from several tables (a reference read before its "
          "key's table, or whose key's table is not exported); reading one table at a time keeps its collision "
          "resolution in a fixed order");
    jobs = 1;
  }

  ExportResult result;
  if (options.dry_run) {
    result.preview = preview(connection, plans);
    for (const auto& entry : result.preview) result.totals.rows += entry.rows;
    connection.exec("COMMIT");
    return result;
  }
  result.path = options.output.empty() ? default_export_path() : options.output;
  OutputFile file(result.path);
  SnapshotWriter writer([&file](std::string_view bytes) { file.write(bytes); });

  SourceIdentityRead source = read_source_identity(connection);
  if (!source.note.empty()) notify(source.note);
  SnapshotHeader header{PGTOTE_VERSION,
                        format_time(std::time(nullptr), "%Y-%m-%dT%H:%M:%SZ", true),
                        connection.server_version(),
                        source.identity.database,
                        source.identity.system_identifier,
                        source.identity.database_oid,
                        {},
                        plans.subset,
                        anonymizer != nullptr,
                        anonymize.transformed};
  std::string filtered_names;
  for (const auto& filter : row_security.filtered) {
    const Table& table = *tables[filter.position];
    header.filtered_by_row_security.emplace_back(table.schema, table.name);
    filtered_names += (filtered_names.empty() ? "" : ", ") + table.qualified_name();
  }
  if (!filtered_names.empty())
    notify("row-level security: role " + row_security.role + " exports only the rows its policies show in " +
           filtered_names + "; the snapshot is marked as filtered");
  if (plans.subset)
    for (const auto& cut : plans.subset->cuts)
      notify("subset: " + std::to_string(cut.rows) + " reference(s) " + cut.schema + "." + cut.table +
             key_text(cut.columns) + " exported as NULL (null_outside: the parent is not in the subset)");
  plans.subset_rows.reset();  // the plans hold the keys now
  writer.begin(header, tables, selected.order.components);

  auto export_started = std::chrono::steady_clock::now();
  bool parallel = jobs > 1 && tables.size() > 1 && !shared_snapshot.empty() &&
                  export_in_parallel(connection, shared_snapshot, options, plans.plans, anonymizer.get(),
                                     anonymize.read_after, file, result, notify);
  if (parallel) {
    writer.continue_after(tables.size());
  } else {
    Progress progress(options.progress);
    for (size_t i = 0; i < plans.plans.size(); ++i) {
      progress.start(
          {"exporting", plans.plans[i].table->qualified_name(), place_text("table", i + 1, tables.size()), ""});
      result.tables.push_back(
          write_table(connection, plans.plans[i], writer, progress, false, nullptr, anonymizer.get(), i));
      result.totals.rows += result.tables.back().rows;
    }
  }
  for (const auto& filter : row_security.filtered) result.tables[filter.position].filtered_by_row_security = true;
  writer.end();
  connection.exec("COMMIT");
  file.commit();
  result.totals.bytes += writer.bytes();  // the tables' spools (parallel) plus what `writer` wrote
  result.totals.seconds = seconds_since(export_started);
  return result;
}

}  // namespace pgtote
