// Lays out a snapshot (docs/snapshot-format.md): header, then each table's description and its
// rows, one row per line, streamed; nothing is held but the current row.
#pragma once

#include <cstdint>
#include <optional>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

#include "pgtote/json_writer.h"
#include "pgtote/schema_model.h"
#include "pgtote/subset_record.h"

namespace pgtote {

struct SnapshotHeader {
  std::string tool_version;
  std::string exported_at;  // ISO 8601, UTC
  std::string server_version;
  std::string database;
  // Tables that row-level security may have filtered, as [schema, name]; written only when any.
  std::vector<std::pair<std::string, std::string>> filtered_by_row_security;
  // The subset the snapshot holds; written only for a subset export.
  std::optional<SubsetRecord> subset;
};

class SnapshotWriter {
 public:
  explicit SnapshotWriter(JsonWriter::Sink sink) : out_(std::move(sink)) {}

  // `tables` in dependency order; `components` hold positions in `tables`.
  void begin(const SnapshotHeader& header, const std::vector<const Table*>& tables,
             const std::vector<std::vector<size_t>>& components);
  // For a writer that produces only some tables (a parallel export's spool, or the closing
  // bytes after them): `tables` were written before, so separators come out right.
  void continue_after(size_t tables) { first_table_ = tables == 0; }
  void begin_table(const Table& table);
  // One row as COPY TO gives it in text format, columns in the table's column order. Throws
  // std::invalid_argument when the row does not fit the columns.
  void copy_row(std::string_view copy_row);
  void end_table(uint64_t row_count);
  void end();

  uint64_t bytes() const { return out_.total_bytes(); }

 private:
  void write_table_description(const Table& table);
  JsonWriter out_;
  const Table* table_ = nullptr;
  bool first_table_ = true;
  bool first_row_ = true;
};

}  // namespace pgtote
