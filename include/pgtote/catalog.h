// Reads the tables pgtote carries from pg_catalog: columns with exact types, keys, foreign keys,
// owned sequences. Views, materialized views, foreign tables and partitions are not listed:
// a partitioned table's rows are read through its parent, which also carries the foreign keys
// declared on its partitions.
#pragma once

#include <vector>

#include "pgtote/pg_conn.h"
#include "pgtote/schema_model.h"

namespace pgtote {

// Every user table (not system schemas, not tables owned by extensions), sorted by schema, name.
std::vector<Table> read_catalog(Connection& connection);

// The SELECT that reads a table's rows in primary-key order (unique key, else whole-row text,
// when there is none), for COPY (...) TO STDOUT.
std::string select_rows_sql(const Table& table);

}  // namespace pgtote
