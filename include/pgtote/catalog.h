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

// Every user table (not system schemas, not tables owned by extensions), sorted by schema, name.
std::vector<Table> read_catalog(Connection& connection);

// The SELECT that reads a table's rows in primary-key order (unique key, else whole-row text,
// when there is none), for COPY (...) TO STDOUT. `select_list`, when not empty, replaces the
// quoted column names (anonymization's `sql` transforms: see anonymized_select_list).
std::string select_rows_sql(const Table& table, const std::vector<std::string>& select_list = {});

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
