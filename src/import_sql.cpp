// SQL text for the import's checks and merges; see import_sql.h.
#include "pgtote/import_sql.h"

#include "pgtote/sql_quote.h"

namespace pgtote::import_sql {

namespace {

std::string column_of(const std::string& alias, const std::string& column) { return alias + "." + quote_ident(column); }

// a.k1 = b.k1 AND ... over the match key; the whole row (NULL-safe) when there is none.
std::string key_match(const TablePlan& plan, const std::string& a, const std::string& b) {
  std::string out;
  if (plan.key.empty()) {
    std::string left, right;
    for (const auto& c : plan.columns) {
      std::string cast = c.comparable ? "" : "::text";
      left += (left.empty() ? "" : ", ") + column_of(a, c.name) + cast;
      right += (right.empty() ? "" : ", ") + column_of(b, c.name) + cast;
    }
    return "ROW(" + left + ") IS NOT DISTINCT FROM ROW(" + right + ")";
  }
  for (const auto& k : plan.key) out += (out.empty() ? "" : " AND ") + column_of(a, k) + " = " + column_of(b, k);
  return out;
}

// The written non-key columns differ (NULL-safe); columns without equality compare as text.
std::string row_differs(const TablePlan& plan, const std::string& a, const std::string& b) {
  std::string left, right;
  for (const auto& c : plan.columns) {
    if (c.in_key) continue;
    std::string cast = c.comparable ? "" : "::text";
    left += (left.empty() ? "" : ", ") + column_of(a, c.name) + cast;
    right += (right.empty() ? "" : ", ") + column_of(b, c.name) + cast;
  }
  if (left.empty()) return "false";
  return "ROW(" + left + ") IS DISTINCT FROM ROW(" + right + ")";
}

std::string texts(const std::string& alias, const std::vector<std::string>& columns) {
  std::string out;
  for (const auto& c : columns) out += ", " + column_of(alias, c) + "::text";
  return out;
}

std::string key_or_row_columns(const TablePlan& plan, std::vector<std::string>& out) {
  out = plan.key;
  if (out.empty())
    for (const auto& c : plan.columns) out.push_back(c.name);
  return "";
}

std::string stage(const TablePlan& plan) { return quote_ident(plan.stage); }
std::string target(const TablePlan& plan) { return table_ref(*plan.target); }
std::string limit_clause(int limit) { return " ORDER BY 2 LIMIT " + std::to_string(limit); }

std::string written_list(const TablePlan& plan, const std::string& alias) {
  std::string out;
  for (const auto& c : plan.columns)
    out += (out.empty() ? "" : ", ") + (alias.empty() ? quote_ident(c.name) : column_of(alias, c.name));
  return out;
}

// s.fk1 IS NOT NULL AND ... AND NOT EXISTS (parent) [AND NOT EXISTS (parent stage)]
std::string orphan_condition(const ForeignKey& fk, const Table& parent, const std::string& parent_stage) {
  std::string out, match;
  for (size_t i = 0; i < fk.columns.size(); ++i) {
    out += column_of("s", fk.columns[i]) + " IS NOT NULL AND ";
    match += (match.empty() ? "" : " AND ") + column_of("p", fk.ref_columns[i]) + " = " + column_of("s", fk.columns[i]);
  }
  out += "NOT EXISTS (SELECT 1 FROM " + table_ref(parent) + " p WHERE " + match + ")";
  if (!parent_stage.empty())
    out += " AND NOT EXISTS (SELECT 1 FROM " + quote_ident(parent_stage) + " p WHERE " + match + ")";
  return out;
}

}  // namespace

std::string create_stage(const TablePlan& plan) {
  // Same column types as the target, no constraints: every problem is found by a query later.
  return "CREATE TEMPORARY TABLE " + stage(plan) + " AS SELECT 0::bigint AS " + quote_ident(row_column) +
         (plan.columns.empty() ? "" : ", " + written_list(plan, "")) + " FROM " + target(plan) + " WITH NO DATA";
}

std::string copy_stage(const TablePlan& plan) {
  return "COPY " + stage(plan) + " (" + quote_ident(row_column) +
         (plan.columns.empty() ? "" : ", " + written_list(plan, "")) + ") FROM STDIN";
}

std::string copy_into_target(const TablePlan& plan) {
  return "COPY " + quote_qualified(plan.target->schema, plan.target->name) + " (" + written_list(plan, "") +
         ") FROM STDIN";
}

std::string target_is_empty(const TablePlan& plan) {
  return "SELECT NOT EXISTS (SELECT 1 FROM " + target(plan) + ")";
}

std::string duplicate_keys(const TablePlan& plan) {
  std::string keys;
  for (const auto& k : plan.key) keys += (keys.empty() ? "" : ", ") + quote_ident(k);
  return "SELECT count(*) FROM (SELECT 1 FROM " + stage(plan) + " GROUP BY " + keys + " HAVING count(*) > 1) d";
}

std::string null_counts(const TablePlan& plan, const std::vector<std::string>& columns) {
  std::string out = "SELECT ";
  for (size_t i = 0; i < columns.size(); ++i)
    out += (i ? ", " : "") + std::string("count(*) FILTER (WHERE ") + quote_ident(columns[i]) + " IS NULL)";
  return out + " FROM " + stage(plan);
}

std::string null_rows(const TablePlan& plan, const std::string& column, int limit) {
  return "SELECT " + quote_ident(row_column) + " FROM " + stage(plan) + " WHERE " + quote_ident(column) +
         " IS NULL ORDER BY 1 LIMIT " + std::to_string(limit);
}

std::string missing_parents(const TablePlan& plan, const ForeignKey& fk, const Table& parent,
                            const std::string& parent_stage, int limit) {
  return "SELECT count(*) OVER (), s." + quote_ident(row_column) + texts("s", fk.columns) + " FROM " + stage(plan) +
         " s WHERE " + orphan_condition(fk, parent, parent_stage) + limit_clause(limit);
}

std::string delete_missing_parents(const TablePlan& plan, const ForeignKey& fk, const Table& parent,
                                   const std::string& parent_stage) {
  return "DELETE FROM " + stage(plan) + " s WHERE " + orphan_condition(fk, parent, parent_stage);
}

std::string conflicts(const TablePlan& plan, const UniqueKey& unique, int limit) {
  std::vector<std::string> key;
  key_or_row_columns(plan, key);
  std::string match;
  for (const auto& c : unique.columns)
    match += (match.empty() ? "" : " AND ") + column_of("t", c) + " = " + column_of("s", c);
  return "SELECT count(*) OVER (), s." + quote_ident(row_column) + texts("s", key) + texts("s", unique.columns) +
         texts("t", key) + " FROM " + stage(plan) + " s JOIN " + target(plan) + " t ON " + match + " WHERE NOT (" +
         key_match(plan, "t", "s") + ")" + limit_clause(limit);
}

std::string delete_conflicts(const TablePlan& plan, const UniqueKey& unique) {
  std::string match;
  for (const auto& c : unique.columns)
    match += (match.empty() ? "" : " AND ") + column_of("t", c) + " = " + column_of("s", c);
  return "DELETE FROM " + stage(plan) + " s USING " + target(plan) + " t WHERE " + match + " AND NOT (" +
         key_match(plan, "t", "s") + ")";
}

std::string existing_rows(const TablePlan& plan, int limit) {
  std::vector<std::string> key;
  key_or_row_columns(plan, key);
  return "SELECT count(*) OVER (), s." + quote_ident(row_column) + texts("s", key) + " FROM " + stage(plan) +
         " s WHERE EXISTS (SELECT 1 FROM " + target(plan) + " t WHERE " + key_match(plan, "t", "s") + ")" +
         limit_clause(limit);
}

std::string classify(const TablePlan& plan) {
  std::string exists = "EXISTS (SELECT 1 FROM " + target(plan) + " t WHERE " + key_match(plan, "t", "s") + ")";
  if (plan.key.empty())  // whole-row match: present or not, never "changed"
    return "SELECT count(*), count(*) FILTER (WHERE NOT " + exists + "), 0 FROM " + stage(plan) + " s";
  return "SELECT count(*), count(*) FILTER (WHERE t.pgtote_present IS NULL), count(*) FILTER (WHERE t.pgtote_present "
         "AND " +
         row_differs(plan, "t", "s") + ") FROM " + stage(plan) + " s LEFT JOIN (SELECT true AS pgtote_present, " +
         written_list(plan, "") + " FROM " + target(plan) + ") t ON " + key_match(plan, "t", "s");
}

std::string changed_rows(const TablePlan& plan, int limit) {
  std::string values;
  for (const auto& c : plan.columns)
    values += ", " + column_of("t", c.name) + "::text, " + column_of("s", c.name) + "::text";
  return "SELECT s." + quote_ident(row_column) + values + " FROM " + stage(plan) + " s JOIN " + target(plan) +
         " t ON " + key_match(plan, "t", "s") + " WHERE " + row_differs(plan, "t", "s") + " ORDER BY 1 LIMIT " +
         std::to_string(limit);
}

std::string merge(const std::vector<const TablePlan*>& group, bool keep_existing, uint64_t first_row,
                  uint64_t last_row) {
  std::string with, select;
  std::string range = first_row <= last_row ? " AND s." + quote_ident(row_column) + " BETWEEN " +
                                                  std::to_string(first_row) + " AND " + std::to_string(last_row)
                                            : "";
  for (size_t i = 0; i < group.size(); ++i) {
    const TablePlan& plan = *group[i];
    std::string n = std::to_string(i);
    std::string set;
    for (const auto& c : plan.columns)
      if (!c.in_key) set += (set.empty() ? "" : ", ") + quote_ident(c.name) + " = " + column_of("s", c.name);
    bool updates = !keep_existing && !plan.key.empty() && !set.empty();
    if (updates)
      with += std::string(with.empty() ? "WITH " : ", ") + "u" + n + " AS (UPDATE " + target(plan) + " t SET " + set +
              " FROM " + stage(plan) + " s WHERE " + key_match(plan, "t", "s") + " AND " + row_differs(plan, "t", "s") +
              range + " RETURNING 1)";
    // INSERT INTO a partitioned table routes rows to its partitions; ONLY is for reading.
    std::string insert_into = quote_qualified(plan.target->schema, plan.target->name);
    with += std::string(with.empty() ? "WITH " : ", ") + "i" + n + " AS (INSERT INTO " + insert_into + " (" +
            written_list(plan, "") + ") OVERRIDING SYSTEM VALUE SELECT " + written_list(plan, "s") + " FROM " +
            stage(plan) + " s WHERE NOT EXISTS (SELECT 1 FROM " + target(plan) + " t WHERE " +
            key_match(plan, "t", "s") + ")" + range + " RETURNING 1)";
    select += std::string(select.empty() ? "" : ", ") + (updates ? "(SELECT count(*) FROM u" + n + ")" : "0") +
              ", (SELECT count(*) FROM i" + n + ")";
  }
  return with + " SELECT " + select;
}

std::string row_json(const TablePlan& plan, uint64_t row) {
  return "SELECT (pg_catalog.to_jsonb(s) - " + std::string("'") + row_column + "')::text FROM " + stage(plan) +
         " s WHERE " + quote_ident(row_column) + " = " + std::to_string(row);
}

}  // namespace pgtote::import_sql
