// The export pipeline. All reads share one REPEATABLE READ READ ONLY transaction, so the snapshot
// is consistent while the source takes writes; rows stream from COPY into the file.
#include "pgtote/exporter.h"

#include <chrono>
#include <ctime>
#include <stdexcept>

#include "pgtote/catalog.h"
#include "pgtote/dep_graph.h"
#include "pgtote/error.h"
#include "pgtote/output_file.h"
#include "pgtote/progress.h"
#include "pgtote/snapshot_writer.h"

namespace pgtote {

namespace {

std::string format_time(std::time_t t, const char* pattern, bool utc) {
  std::tm tm{};
  if (utc) gmtime_r(&t, &tm);
  else localtime_r(&t, &tm);
  char buffer[64];
  std::strftime(buffer, sizeof buffer, pattern, &tm);
  return buffer;
}

// Session settings that make the text form of every value stable and lossless.
constexpr const char* session_sql =
    "SET client_encoding = 'UTF8'; SET datestyle = 'ISO, YMD'; SET intervalstyle = 'postgres'; "
    "SET extra_float_digits = 1; SET bytea_output = 'hex'; SET timezone = 'UTC'; "
    "SET statement_timeout = 0; SET work_mem = '64MB'";

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

ExportResult run_export(const ExportOptions& options, const std::function<void(const std::string&)>& notify) {
  Connection connection = Connection::open(options.source.conninfo);
  connection.exec(session_sql);
  connection.exec("BEGIN ISOLATION LEVEL REPEATABLE READ READ ONLY");
  // The transaction snapshot is taken by the first query: the catalog is read in it too.
  OrderedTables selected = select_and_order(connection, options.selection);
  for (const auto& note : selected.notes) notify(note);

  ExportResult result;
  result.path = options.output.empty() ? default_export_path() : options.output;
  OutputFile file(result.path);
  SnapshotWriter writer([&file](std::string_view bytes) { file.write(bytes); });

  std::vector<const Table*> tables;
  for (const auto& table : selected.tables) tables.push_back(&table);
  SnapshotHeader header{PGTOTE_VERSION, format_time(std::time(nullptr), "%Y-%m-%dT%H:%M:%SZ", true),
                        connection.server_version(), connection.database()};
  writer.begin(header, tables, selected.order.components);

  Progress progress(options.progress);
  auto export_started = std::chrono::steady_clock::now();
  for (const Table* table : tables) {
    auto started = std::chrono::steady_clock::now();
    uint64_t bytes_before = writer.bytes();
    progress.start(table->qualified_name());
    writer.begin_table(*table);
    uint64_t rows = 0;
    std::string sql = "COPY (" + select_rows_sql(*table) + ") TO STDOUT";
    try {
      auto copy = connection.copy_out(sql);
      std::string_view row;
      while (copy.next_row(row)) {
        writer.copy_row(row);
        ++rows;
        progress.update(rows, writer.bytes() - bytes_before);
      }
    } catch (const Error& e) {
      throw Error(e.code(), "exporting table " + table->qualified_name() + ": " + e.what());
    } catch (const std::invalid_argument& e) {
      throw Error(ExitCode::failure, "exporting table " + table->qualified_name() + ", row " +
                                         std::to_string(rows + 1) + ": " + e.what());
    }
    writer.end_table(rows);
    progress.finish(rows, writer.bytes() - bytes_before);
    std::chrono::duration<double> elapsed = std::chrono::steady_clock::now() - started;
    result.tables.push_back({table->schema, table->name, rows, writer.bytes() - bytes_before, elapsed.count()});
    result.totals.rows += rows;
  }
  writer.end();
  connection.exec("COMMIT");
  file.commit();
  result.totals.bytes = writer.bytes();
  result.totals.seconds = std::chrono::duration<double>(std::chrono::steady_clock::now() - export_started).count();
  return result;
}

}  // namespace pgtote
