// Reads the tables pgtote carries from pg_catalog: columns with exact types, keys, foreign keys,
// owned sequences. Views, materialized views, foreign tables and partitions are not listed:
// a partitioned table's rows are read through its parent, which also carries the foreign keys
// declared on its partitions.
#pragma once

#include <cstdint>
#include <optional>
#include <string>
#include <vector>

#include "pgtote/pg_conn.h"
#include "pgtote/schema_model.h"

namespace pgtote {

// Catalog SQL for any server: the holes {period} and {enforced} become pg_constraint.conperiod and
// conenforced on PostgreSQL 18, and false and true on older servers, which have neither.
std::string with_version_columns(const char* sql, int server_version_num);

// Every user table (not system schemas, not tables owned by extensions), sorted by schema, name.
std::vector<Table> read_catalog(Connection& connection);

// A column that draws its values from a sequence (owned, identity, or named in its default).
struct SequenceUse {
  uint32_t sequence_oid = 0;
  std::string sequence;  // schema-qualified and quoted
  uint32_t table_oid = 0;
  std::string column;
  bool integer_column = false;              // int2, int4, int8, numeric (or a domain over one)
  std::optional<std::string> default_expr;  // pg_get_expr of the column's default
};

// Every column of `table_oids` that draws from a sequence, once per (sequence, column), ordered
// by sequence, then schema, table and column position.
std::vector<SequenceUse> read_sequence_uses(Connection& connection, const std::vector<uint32_t>& table_oids);

}  // namespace pgtote
