// Export's plan per table: the query that reads its rows (select list, filter, stable order), made
// from the catalog before any row is read. Subsets and anonymization rewrite it; no server needed.
#pragma once

#include <memory>
#include <string>
#include <vector>

#include "pgtote/schema_model.h"

namespace pgtote {

class RowSpool;

struct ExportPlan {
  const Table* table = nullptr;
  // One SQL expression per column, in column order, over the table alias `t` ("t"."email" reads
  // the stored value; a rewrite may put any expression of the row there).
  std::vector<std::string> select_list;
  std::string filter;    // an SQL condition over `t`; empty: every row
  std::string order_by;  // the stable row order, over `t`'s own columns (never the select list's)
  // Rows already read (a subset's scans return whole rows), written first, in the order read;
  // sql() reads the others.
  std::shared_ptr<RowSpool> rows_read;

  // SELECT <select_list> FROM [ONLY] "schema"."name" t [WHERE filter] ORDER BY <order_by>, for
  // COPY (...) TO STDOUT.
  std::string sql() const;
  // SELECT pg_catalog.count(*) FROM ... [WHERE filter]: the rows sql() reads.
  std::string count_sql() const;
};

// Every row of the table, every column as stored, in a stable order: the primary key, else a unique
// key with only NOT NULL columns, else the whole row's text.
ExportPlan plan_table(const Table& table);

// FROM clause item: [ONLY] "schema"."name" t (a partitioned table is read with its partitions).
std::string table_source_sql(const Table& table);

// The key that tells a table's rows apart: the primary key, else the first unique key whose columns
// are all NOT NULL; null when there is none.
const std::vector<std::string>* stable_key(const Table& table);

// An SQL expression over `t` and the type its values are cast to from text.
struct TypedExpression {
  std::string sql;
  std::string type;
};

// What a row is told apart by in a subset: its stable key's columns, else (tableoid, ctid), which
// stay fixed within the export's one snapshot.
std::vector<TypedExpression> row_identity(const Table& table);

// `(e1, e2) IN (SELECT u.c0::type1, u.c1::type2 FROM ROWS FROM (unnest(E'{...}'::text[]), ...) u(c0, c1))`:
// true when the expressions' values are one of `tuples` (each tuple's values in PostgreSQL's text
// form, one per expression, none NULL). The values are inlined as literals, since COPY (SELECT ...)
// takes no parameters. No tuples: "false".
std::string tuple_in_sql(const std::vector<TypedExpression>& expressions,
                         const std::vector<std::vector<std::string>>& tuples);

}  // namespace pgtote
