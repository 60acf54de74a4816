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
#include "pgtote/snapshot_format.h"
#include "pgtote/subset_record.h"

namespace pgtote {

struct SnapshotHeader {
  std::string tool_version;
  std::string exported_at;  // ISO 8601, UTC
  std::string server_version;
  std::string database;
  // The source's identity across servers (source_identity.h); each written only when known.
  std::string system_identifier;
  std::string database_oid;
  // Tables that row-level security may have filtered, as [schema, name]; written only when any.
  std::vector<std::pair<std::string, std::string>> filtered_by_row_security;
  // The subset the snapshot holds; written only for a subset export.
  std::optional<SubsetRecord> subset;
  // An anonymized export: the columns it transformed (written even when empty); never the salt.
  bool anonymized = false;
  std::vector<AnonymizedColumn> anonymized_columns;
};

// Rewrites chosen columns' values between COPY and encoding (anonymization). Implementations
// must be safe to call from several threads at once.
class ValueRewriter {
 public:
  virtual ~ValueRewriter() = default;
  virtual bool rewrites(size_t column) const = 0;
  // `null` and `value` in, the new ones out; `scratch` may hold the new text.
  virtual void rewrite(size_t column, bool& null, std::string_view& value, std::string& scratch) const = 0;
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
  // `rewriter`, when given, rewrites values of this table's rows; it must outlive end_table().
  void begin_table(const Table& table, const ValueRewriter* rewriter = nullptr);
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
  const ValueRewriter* rewriter_ = nullptr;
  std::string rewritten_;
  bool first_table_ = true;
  bool first_row_ = true;
};

// The header's "subset" object as the writer writes it for `spec`, without its closing "cut"
// list: what an import compares with a snapshot's header to know it has the same definition.
std::string subset_definition_json(const SubsetSpec& spec);

}  // namespace pgtote
