// Snapshot layout. Rows stream through JsonWriter's buffer, drained every megabyte.
#include "pgtote/snapshot_writer.h"

#include <stdexcept>

#include "pgtote/copy_text.h"
#include "pgtote/snapshot_format.h"
#include "pgtote/value_codec.h"

namespace pgtote {

namespace {
constexpr size_t flush_threshold = 1 << 20;

// The oldest version that carries these tables: only json/jsonb values may need version 2's marker.
int format_version_for(const std::vector<const Table*>& tables) {
  for (const Table* table : tables)
    for (const Column& column : table->columns)
      if (column.encoding == Encoding::json) return snapshot::json_text_version;
  return snapshot::oldest_format_version;
}

void write_names(JsonWriter& out, const std::vector<std::string>& names) {
  out.start_array();
  for (const auto& name : names) out.string(name);
  out.end_array();
}

void write_optional_count(JsonWriter& out, const char* key, const std::optional<uint64_t>& count) {
  out.key(key);
  if (count)
    out.integer(static_cast<int64_t>(*count));
  else
    out.null();
}

// The subset definition as the config gave it, then the references cut (docs/snapshot-format.md).
void write_subset(JsonWriter& out, const SubsetRecord& subset) {
  const SubsetSpec& spec = subset.spec;
  out.start_object();
  out.key("start");
  out.start_array();
  for (const auto& start : spec.start) {
    out.start_object();
    out.key("table");
    out.string(start.table);
    out.key("where");
    out.string(start.where);
    write_optional_count(out, "limit", start.limit);
    out.key("order_by");
    out.string(start.order_by);
    out.end_object();
  }
  out.end_array();
  out.key("children");
  out.start_array();
  for (const auto& rule : spec.children) {
    out.start_object();
    out.key("edge");
    out.string(rule.edge);
    out.key("follow");
    out.boolean(rule.follow);
    write_optional_count(out, "limit_per_parent", rule.limit_per_parent);
    out.end_object();
  }
  out.end_array();
  out.key("parents");
  out.start_object();
  for (const auto& [edge, rule] : spec.parents) {
    out.key(edge);
    out.string(rule);
  }
  out.end_object();
  out.key("virtual_foreign_keys");
  out.start_array();
  for (const auto& key : spec.virtual_foreign_keys) {
    out.start_object();
    out.key("from");
    out.string(key.from);
    out.key("to");
    out.string(key.to);
    out.key("when");
    out.string(key.when);
    out.end_object();
  }
  out.end_array();
  out.key("cut");
  out.start_array();
  for (const auto& cut : subset.cuts) {
    out.start_object();
    out.key("schema");
    out.string(cut.schema);
    out.key("table");
    out.string(cut.table);
    out.key("foreign_key");
    out.string(cut.foreign_key);
    out.key("columns");
    write_names(out, cut.columns);
    out.key("rows");
    out.integer(static_cast<int64_t>(cut.rows));
    out.end_object();
  }
  out.end_array();
  out.end_object();
}

}  // namespace

std::string subset_definition_json(const SubsetSpec& spec) {
  std::string whole = json_to_string([&](JsonWriter& out) { write_subset(out, SubsetRecord{spec, {}}); });
  return whole.substr(0, whole.rfind(",\"cut\":"));
}

void SnapshotWriter::begin(const SnapshotHeader& header, const std::vector<const Table*>& tables,
                           const std::vector<std::vector<size_t>>& components) {
  out_.raw("{");
  out_.raw("\"format\":");
  out_.string(snapshot::format_name);
  out_.raw(",\"version\":");
  out_.integer(format_version_for(tables));
  out_.raw(",\"tool\":");
  out_.string("pgtote " + header.tool_version);
  out_.raw(",\"exported_at\":");
  out_.string(header.exported_at);
  out_.raw(",\n\"");
  out_.raw(snapshot::source_key);
  out_.raw("\":");
  out_.start_object();
  out_.key(snapshot::source_server_version_key);
  out_.string(header.server_version);
  out_.key(snapshot::source_database_key);
  out_.string(header.database);
  if (!header.system_identifier.empty()) {
    out_.key(snapshot::source_system_identifier_key);
    out_.string(header.system_identifier);  // 64 bits: more than a JSON reader's double keeps exactly
  }
  if (!header.database_oid.empty()) {
    out_.key(snapshot::source_database_oid_key);
    out_.number_text(header.database_oid);  // an oid, digits only as the server gives it
  }
  out_.end_object();
  if (!header.filtered_by_row_security.empty()) {
    out_.raw(",\n\"");
    out_.raw(snapshot::filtered_by_row_security_key);
    out_.raw("\":");
    out_.start_array();
    for (const auto& [schema, name] : header.filtered_by_row_security) {
      out_.start_array();
      out_.string(schema);
      out_.string(name);
      out_.end_array();
    }
    out_.end_array();
  }
  if (header.subset) {
    out_.raw(",\n\"");
    out_.raw(snapshot::subset_key);
    out_.raw("\":");
    write_subset(out_, *header.subset);
  }
  if (header.anonymized) {
    out_.raw(",\n\"");
    out_.raw(snapshot::anonymized_key);
    out_.raw("\":");
    out_.start_array();
    for (const auto& column : header.anonymized_columns) {
      out_.start_object();
      out_.key("schema");
      out_.string(column.schema);
      out_.key("table");
      out_.string(column.table);
      out_.key("column");
      out_.string(column.column);
      out_.key("transform");
      out_.string(column.transform);
      if (!column.follows.empty()) {
        out_.key("follows");
        out_.string(column.follows);
      }
      out_.end_object();
    }
    out_.end_array();
  }
  out_.raw(",\n\"order\":");
  out_.start_array();
  for (const Table* table : tables) {
    out_.start_array();
    out_.string(table->schema);
    out_.string(table->name);
    out_.end_array();
  }
  out_.end_array();
  out_.raw(",\n\"components\":");
  out_.start_array();
  for (const auto& component : components) {
    out_.start_array();
    for (size_t position : component) out_.integer(static_cast<int64_t>(position));
    out_.end_array();
  }
  out_.end_array();
  out_.raw(",\n\"tables\":[");
  out_.flush();  // the header reaches the sink before any table, whoever writes the tables
}

void SnapshotWriter::write_table_description(const Table& table) {
  out_.raw("\"schema\":");
  out_.string(table.schema);
  out_.raw(",\"name\":");
  out_.string(table.name);
  out_.raw(",\n\"columns\":[");
  for (size_t i = 0; i < table.columns.size(); ++i) {
    const Column& c = table.columns[i];
    out_.raw(i ? ",\n " : "\n ");
    out_.start_object();
    out_.key("name");
    out_.string(c.name);
    out_.key("type");
    out_.string(c.type);
    out_.key("encoding");
    out_.string(encoding_name(c.encoding));
    if (c.encoding == Encoding::array) {
      out_.key("element_encoding");
      out_.string(encoding_name(c.element_encoding));
    }
    out_.key("nullable");
    out_.boolean(!c.not_null);
    out_.key("default");
    if (c.default_expr)
      out_.string(*c.default_expr);
    else
      out_.null();
    out_.key("identity");
    if (c.identity.empty())
      out_.null();
    else
      out_.string(c.identity);
    out_.key("generated");
    if (c.generated.empty())
      out_.null();
    else
      out_.string(c.generated);
    out_.key("sequence");
    if (c.sequence)
      out_.string(*c.sequence);
    else
      out_.null();
    out_.end_object();
  }
  out_.raw("],\n\"primary_key\":");
  write_names(out_, table.primary_key);
  if (table.primary_key_without_overlaps) out_.raw(",\n\"primary_key_without_overlaps\":true");
  out_.raw(",\n\"unique_keys\":");
  out_.start_array();
  for (const auto& key : table.unique_keys) {
    out_.start_object();
    out_.key("name");
    out_.string(key.name);
    out_.key("columns");
    write_names(out_, key.columns);
    out_.key("index_only");
    out_.boolean(!key.constraint);
    if (key.without_overlaps) {
      out_.key("without_overlaps");
      out_.boolean(true);
    }
    out_.end_object();
  }
  out_.end_array();
  out_.raw(",\n\"foreign_keys\":");
  out_.start_array();
  for (const auto& fk : table.foreign_keys) {
    out_.start_object();
    out_.key("name");
    out_.string(fk.name);
    out_.key("columns");
    write_names(out_, fk.columns);
    out_.key("references");
    out_.start_object();
    out_.key("schema");
    out_.string(fk.ref_schema);
    out_.key("table");
    out_.string(fk.ref_table);
    out_.key("columns");
    write_names(out_, fk.ref_columns);
    out_.end_object();
    out_.key("deferrable");
    out_.boolean(fk.deferrable);
    // Written only when set, so snapshots of keys without them read as before.
    if (fk.period) {
      out_.key("period");
      out_.boolean(true);
    }
    if (!fk.enforced) {
      out_.key("enforced");
      out_.boolean(false);
    }
    out_.end_object();
  }
  out_.end_array();
}

void SnapshotWriter::begin_table(const Table& table, const ValueRewriter* rewriter) {
  table_ = &table;
  rewriter_ = rewriter;
  out_.raw(first_table_ ? "\n{" : ",\n{");
  first_table_ = false;
  write_table_description(table);
  out_.raw(",\n\"rows\":[");
  first_row_ = true;
  out_.flush();
}

void SnapshotWriter::copy_row(std::string_view copy_row) {
  out_.raw(first_row_ ? "\n[" : ",\n[");
  first_row_ = false;
  if (table_->columns.empty()) {  // COPY gives an empty line for a row without columns
    out_.raw("]");
    return;
  }
  CopyRowFields fields(copy_row);
  std::string_view value;
  bool null;
  size_t column = 0;
  const auto& columns = table_->columns;
  while (fields.next(value, null)) {
    if (column == columns.size()) throw std::invalid_argument("row has more values than the table has columns");
    if (column) out_.raw(",");
    if (rewriter_ && rewriter_->rewrites(column)) rewriter_->rewrite(column, null, value, rewritten_);
    if (null)
      out_.null();
    else
      encode_value(columns[column].encoding, columns[column].element_encoding, value, out_);
    ++column;
  }
  if (column != columns.size()) throw std::invalid_argument("row has fewer values than the table has columns");
  out_.raw("]");
  out_.flush_if_over(flush_threshold);
}

void SnapshotWriter::end_table(uint64_t row_count) {
  out_.raw(first_row_ ? "],\n\"row_count\":" : "\n],\n\"row_count\":");
  out_.integer(static_cast<int64_t>(row_count));
  out_.raw("}");
  out_.flush();
}

void SnapshotWriter::end() {
  out_.raw(first_table_ ? "]}\n" : "\n]}\n");
  out_.flush();
}

}  // namespace pgtote
