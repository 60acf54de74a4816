// Export plans: the default plan of a table and the SQL pieces subsets use to narrow it.
#include "pgtote/export_plan.h"

#include "pgtote/pg_conn.h"
#include "pgtote/sql_quote.h"

namespace pgtote {

std::string table_source_sql(const Table& table) {
  return std::string(table.partitioned ? "" : "ONLY ") + quote_qualified(table.schema, table.name) + " t";
}

const std::vector<std::string>* stable_key(const Table& table) {
  if (!table.primary_key.empty()) return &table.primary_key;
  for (const auto& unique : table.unique_keys) {
    bool not_null = !unique.columns.empty();
    for (const auto& c : unique.columns) not_null = not_null && table.find_column(c) && table.find_column(c)->not_null;
    if (not_null) return &unique.columns;
  }
  return nullptr;
}

namespace {
std::string column_of_t(const std::string& column) { return "t." + quote_ident(column); }
}  // namespace

ExportPlan plan_table(const Table& table) {
  ExportPlan plan;
  plan.table = &table;
  for (const auto& column : table.columns) plan.select_list.push_back(column_of_t(column.name));
  // Stable row order, so two exports of the same data are identical. Qualified with `t`: a bare
  // name in ORDER BY would mean the select list's output column, which a rewrite may transform.
  if (const auto* key = stable_key(table)) {
    for (const auto& column : *key) plan.order_by += (plan.order_by.empty() ? "" : ", ") + column_of_t(column);
  } else if (!table.columns.empty()) {
    plan.order_by = "t::text COLLATE \"C\"";
  }
  return plan;
}

std::string ExportPlan::sql() const {
  std::string sql = "SELECT ";
  for (size_t i = 0; i < select_list.size(); ++i) {
    sql += (i ? ", " : "") + select_list[i];
    // Name each output column as the table does, whatever expression produces it.
    if (table && i < table->columns.size() && select_list[i] != column_of_t(table->columns[i].name))
      sql += " AS " + quote_ident(table->columns[i].name);
  }
  sql += " FROM " + table_source_sql(*table);
  if (!filter.empty()) sql += " WHERE " + filter;
  if (!order_by.empty()) sql += " ORDER BY " + order_by;
  return sql;
}

std::string ExportPlan::count_sql() const {
  std::string sql = "SELECT pg_catalog.count(*) FROM " + table_source_sql(*table);
  if (!filter.empty()) sql += " WHERE " + filter;
  return sql;
}

std::vector<TypedExpression> row_identity(const Table& table) {
  std::vector<TypedExpression> identity;
  if (const auto* key = stable_key(table)) {
    for (const auto& column : *key) identity.push_back({column_of_t(column), table.find_column(column)->type});
  } else {
    identity.push_back({"t.tableoid", "pg_catalog.oid"});
    identity.push_back({"t.ctid", "pg_catalog.tid"});
  }
  return identity;
}

std::string tuple_in_sql(const std::vector<TypedExpression>& expressions,
                         const std::vector<std::vector<std::string>>& tuples) {
  if (tuples.empty() || expressions.empty()) return "false";
  std::string left, casts, arrays, names;
  for (size_t i = 0; i < expressions.size(); ++i) {
    std::vector<std::string> column;
    column.reserve(tuples.size());
    for (const auto& tuple : tuples) column.push_back(tuple[i]);
    std::string u = "u.c" + std::to_string(i);
    left += (i ? ", " : "") + expressions[i].sql;
    casts += (i ? ", " : "") + u + "::" + expressions[i].type;
    arrays +=
        (i ? ", " : "") + ("pg_catalog.unnest(" + quote_literal(text_array_literal(column))) + "::pg_catalog.text[])";
    names += (i ? ", c" : "c") + std::to_string(i);
  }
  return "(" + left + ") IN (SELECT " + casts + " FROM ROWS FROM (" + arrays + ") AS u(" + names + "))";
}

}  // namespace pgtote
