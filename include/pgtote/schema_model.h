// What pgtote knows of a database's tables: plain structs filled by the catalog reader and by the
// snapshot reader, so export, order and import share one description.
#pragma once

#include <cstdint>
#include <optional>
#include <string>
#include <vector>

namespace pgtote {

// How a column's values are written in a snapshot (docs/snapshot-format.md, "Values").
enum class Encoding {
  number,    // int2, int4, oid: JSON number
  bigint,    // int8: JSON number up to 2^53, string beyond
  floating,  // float4, float8: JSON number; "NaN", "Infinity", "-Infinity" as strings
  boolean,   // JSON true / false
  json,      // json, jsonb: nested JSON
  base64,    // bytea: base64 string
  array,     // PostgreSQL array: nested JSON arrays of the element encoding
  text,      // everything else: PostgreSQL's text form as a string
};

const char* encoding_name(Encoding encoding);
std::optional<Encoding> encoding_from_name(std::string_view name);

struct Column {
  std::string name;
  std::string type;  // format_type(): "integer", "character varying(36)", "\"Role\"[]"
  bool not_null = false;
  std::optional<std::string> default_expr;
  std::string identity;   // "", "always", "by default"
  std::string generated;  // "", "stored", "virtual" (PostgreSQL 18): never written either way
  Encoding encoding = Encoding::text;
  Encoding element_encoding = Encoding::text;  // for arrays
  std::optional<std::string> sequence;         // owned sequence, schema-qualified and quoted
  bool comparable = true;                      // has an equality operator (json, xml, geometric types have none)
  // A domain or composite type (or an array of one): a type of the same name may be defined
  // differently in another database (numeric(12,4) in one, numeric(12,2) in the other).
  bool domain_or_composite = false;
};

struct UniqueKey {
  std::string name;  // constraint or index name
  std::vector<std::string> columns;
  bool constraint = true;         // false: a unique index only (Prisma's many-to-many tables)
  bool without_overlaps = false;  // PostgreSQL 18 temporal key: its last column is a range that may not overlap
};

struct ForeignKey {
  std::string name;
  std::vector<std::string> columns;
  std::string ref_schema;
  std::string ref_table;
  std::vector<std::string> ref_columns;
  bool deferrable = false;
  bool initially_deferred = false;
  // PostgreSQL 18 temporal key (FOREIGN KEY (a, PERIOD p) REFERENCES t (b, PERIOD q)): the last
  // columns are ranges, and the parent's rows with equal other columns must cover the child's range.
  bool period = false;
  // PostgreSQL 18 NOT ENFORCED: orders tables like any key, but the server checks no row for it.
  bool enforced = true;
};

struct Table {
  uint32_t oid = 0;
  std::string schema;
  std::string name;
  bool partitioned = false;  // rows read through this parent include its partitions
  std::vector<Column> columns;
  std::vector<std::string> primary_key;
  bool primary_key_without_overlaps = false;  // PRIMARY KEY (id, valid WITHOUT OVERLAPS), PostgreSQL 18
  std::vector<UniqueKey> unique_keys;
  std::vector<ForeignKey> foreign_keys;
  std::vector<std::string> index_leading_columns;  // first key column of each index (no predicate)

  std::string qualified_name() const { return schema + "." + name; }
  const Column* find_column(const std::string& column) const {
    for (const auto& c : columns)
      if (c.name == column) return &c;
    return nullptr;
  }
};

// "(a, b)": a key's columns, for messages.
inline std::string key_text(const std::vector<std::string>& columns) {
  std::string out = "(";
  for (size_t i = 0; i < columns.size(); ++i) out += (i ? ", " : "") + columns[i];
  return out + ")";
}

// "(id, valid WITHOUT OVERLAPS)": a temporal key's columns, for messages.
inline std::string key_text(const std::vector<std::string>& columns, bool without_overlaps) {
  std::string text = key_text(columns);
  if (without_overlaps && !columns.empty()) text.insert(text.size() - 1, " WITHOUT OVERLAPS");
  return text;
}

// Tables in dependency order, with the groups that must be written together.
struct TableOrder {
  std::vector<size_t> order;                    // indexes into the table list, parents first
  std::vector<std::vector<size_t>> components;  // cycles and self-references, members in order
};

}  // namespace pgtote
