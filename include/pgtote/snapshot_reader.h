// Reads a snapshot in one forward pass with memory bounded by the largest row: the header, then
// each table's description and its rows one at a time. The only module that uses simdjson; a
// snapshot is never one simdjson document, so its size has no 4 GiB limit. Untrusted input:
// every problem is an Error(bad_snapshot) naming the byte offset, table and row.
#pragma once

#include <cstdint>
#include <cstdio>
#include <memory>
#include <string>
#include <utility>
#include <vector>

#include "pgtote/json_value.h"
#include "pgtote/schema_model.h"
#include "pgtote/snapshot_format.h"

namespace pgtote {

struct SnapshotInfo {
  int version = 0;
  std::string tool;
  std::string exported_at;
  std::string server_version;
  std::string database;
  std::string system_identifier;  // "source"."system_identifier"; empty when absent
  std::string database_oid;       // "source"."database_oid" (digits); empty when absent
  // Tables row-level security may have filtered (schema, name); empty: every table read whole.
  std::vector<std::pair<std::string, std::string>> filtered_by_row_security;
  // The subset definition of a subset export, as the JSON object the header holds ("subset");
  // empty when every row of every table was exported.
  std::string subset;
  // Written by an anonymized export (header "anonymized"), with the columns it transformed.
  bool anonymized = false;
  std::vector<AnonymizedColumn> anonymized_columns;
  std::vector<std::pair<std::string, std::string>> order;  // schema, name
  std::vector<std::vector<size_t>> components;             // positions in `order`
};

// Parses one complete JSON value (tests, small documents). Throws Error(bad_snapshot).
JsonValue parse_json_value(std::string_view json);
// Parses one value as next_row() hands it over for a column of `encoding` (tests).
JsonValue parse_row_value(std::string_view json, Encoding encoding);

class SnapshotReader {
 public:
  // "-" reads standard input. Reads and checks the header. `window`: bytes per read (the memory
  // held is the largest row plus two windows); tests force tiny ones.
  explicit SnapshotReader(const std::string& path, size_t window = 1 << 20);
  ~SnapshotReader();
  SnapshotReader(const SnapshotReader&) = delete;
  SnapshotReader& operator=(const SnapshotReader&) = delete;

  const SnapshotInfo& info() const { return info_; }
  // The next table's description; false after the last table.
  bool next_table(Table& table);
  // The current table's next row, as many values as the table has columns; false at its end.
  bool next_row(std::vector<JsonValue>& values);
  // Skips the current table's remaining rows, counting them.
  uint64_t skip_rows();
  // After next_row() returned false: the row count the snapshot records for the table (checked
  // against the rows read).
  uint64_t recorded_row_count() const { return recorded_rows_; }
  // For progress: bytes of the file read so far, and its size (0: unknown, as for stdin).
  uint64_t file_bytes_read() const;
  uint64_t file_size() const;

 private:
  friend JsonValue parse_json_value(std::string_view json);
  friend JsonValue parse_row_value(std::string_view json, Encoding encoding);
  struct Impl;
  std::unique_ptr<Impl> impl_;
  void finish_table(uint64_t rows_read);
  SnapshotInfo info_;
  uint64_t recorded_rows_ = 0;
  uint64_t rows_read_ = 0;
};

}  // namespace pgtote
