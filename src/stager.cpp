// The staging step of an import: snapshot rows -> COPY text -> temporary table.
#include "pgtote/stager.h"

#include <regex>
#include <stdexcept>

#include "pgtote/copy_text.h"
#include "pgtote/error.h"
#include "pgtote/human_format.h"
#include "pgtote/import_sql.h"
#include "pgtote/sql_quote.h"
#include "pgtote/value_codec.h"

namespace pgtote {

namespace {
constexpr size_t send_threshold = 1 << 20;

// The key of row `row` of the plan's table, read again from the snapshot (only after a failure:
// the stream does not keep rows). Empty when it cannot be read back (stdin).
std::string row_key(const TablePlan& plan, const std::string& snapshot_path, uint64_t row) {
  if (snapshot_path == "-" || row == 0) return "";
  try {
    SnapshotReader again(snapshot_path);
    Table table;
    for (size_t position = 0; again.next_table(table); ++position) {
      if (position != plan.position) continue;
      std::vector<JsonValue> values;
      for (uint64_t i = 1; again.next_row(values); ++i) {
        if (i != row) continue;
        std::string key;
        for (const auto& column : plan.columns)
          if (column.in_key && column.snapshot_index < values.size())
            key += (key.empty() ? "" : ", ") + column.name + "=" + values[column.snapshot_index].raw;
        return key;
      }
    }
  } catch (const Error&) {
  }
  return "";
}

// The server names the COPY line (= snapshot row) and column in its context field; name the
// table, the row's key and the column instead of the stage.
std::string rejected_message(const TablePlan& plan, const std::string& snapshot_path, const ServerError& server) {
  std::smatch m;
  std::string where = "table " + plan.snapshot.qualified_name();
  static const std::regex line(R"(^COPY \S+, line (\d+)(, column ([^:]+))?)");
  if (std::regex_search(server.context, m, line)) {
    where += ", row " + m[1].str();
    std::string key = row_key(plan, snapshot_path, std::stoull(m[1].str()));
    if (!key.empty()) where += " (" + key + ")";
    if (m[3].matched) where += ", column " + m[3].str();
  }
  std::string message = server.message + (server.detail.empty() ? "" : " (" + server.detail + ")");
  return where + ": the target rejects a value: " + message +
         " (fix the value in the source or the column type in the target)";
}
}  // namespace

uint64_t stage_table(Connection& connection, const TablePlan& plan, SnapshotReader& reader,
                     const std::string& snapshot_path, Progress& progress) {
  if (!plan.direct) connection.exec(import_sql::create_stage(plan));
  auto copy = connection.copy_in(plan.direct ? import_sql::copy_into_target(plan) : import_sql::copy_stage(plan));
  std::vector<JsonValue> values;
  std::string buffer, scratch, raw_fields;
  buffer.reserve(send_threshold + 65536);
  uint64_t rows = 0, sent = 0;
  auto show = [&] {
    progress.update(rows, sent + buffer.size());
    progress.file(reader.file_bytes_read(), reader.file_size());
  };
  const size_t expected = plan.snapshot.columns.size();
  try {
    while (reader.next_row(values)) {
      ++rows;
      if (values.size() != expected)
        throw Error(ExitCode::bad_snapshot, "snapshot: table " + plan.snapshot.qualified_name() + ", row " +
                                                std::to_string(rows) + " has " + std::to_string(values.size()) +
                                                " values but the table has " + std::to_string(expected) + " columns");
      bool numbered = !plan.direct && !plan.rows_by_position;
      if (numbered) buffer += std::to_string(rows);
      raw_fields.clear();
      for (size_t c = 0; c < plan.columns.size(); ++c) {
        const ImportColumn& column = plan.columns[c];
        if (c > 0 || numbered) buffer += '\t';
        scratch.clear();
        bool not_null;
        try {
          not_null = decode_value(column.encoding, column.element_encoding, values[column.snapshot_index], scratch,
                                  reader.info().version);
        } catch (const std::invalid_argument& e) {
          throw Error(ExitCode::bad_snapshot, "snapshot: table " + plan.snapshot.qualified_name() + ", row " +
                                                  std::to_string(rows) + ", column " + column.name + ": " + e.what());
        }
        size_t field = buffer.size();
        if (not_null)
          append_copy_escaped(buffer, scratch);
        else
          buffer += "\\N";
        // A converted column's snapshot text goes again, as text, after the row's columns.
        if (!column.narrowed_from.empty()) raw_fields.append("\t").append(buffer, field, std::string::npos);
      }
      buffer += raw_fields;
      buffer += '\n';
      if ((rows & 255) == 0) show();
      if (buffer.size() > send_threshold) {
        copy.put(buffer);
        sent += buffer.size();
        buffer.clear();
      }
    }
    show();
    if (!buffer.empty()) copy.put(buffer);
    // The server may still be busy with the rows (foreign keys are checked as the COPY ends).
    progress.wait(with_thousands(rows) + " rows sent, the server is finishing the COPY");
    copy.finish();
    if (plan.rows_by_position) connection.exec(import_sql::number_stage_rows(plan));
  } catch (const Error& e) {
    // A direct copy's failure (a missing parent, say) is for the importer to retry with stages.
    if (e.code() == ExitCode::database && !plan.direct)
      throw Error(ExitCode::rejected, rejected_message(plan, snapshot_path, e.server()));
    throw;
  }
  return rows;
}

void restage_copied_rows(Connection& connection, const TablePlan& plan) {
  connection.exec(import_sql::create_stage(plan));
  connection.exec(import_sql::stage_from_target(plan));
  connection.exec(import_sql::empty_target(plan));
}

}  // namespace pgtote
