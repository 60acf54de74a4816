// SQL text for the import's checks and merges; see import_sql.h.
#include "pgtote/import_sql.h"

#include <algorithm>

#include "pgtote/sql_quote.h"

namespace pgtote::import_sql {

namespace {

std::string column_of(const std::string& alias, const std::string& column) { return alias + "." + quote_ident(column); }

// Columns as a row constructor, for the record image operators.
// An update cannot set a GENERATED ALWAYS identity column, so an update compares the others.
bool updatable(const ImportColumn& c) { return !c.identity_always || c.in_key; }

std::string row_of(const TablePlan& plan, const std::string& alias, bool updatable_only) {
  std::string out;
  for (const auto& c : plan.columns)
    if (!updatable_only || updatable(c)) out += (out.empty() ? "" : ", ") + column_of(alias, c.name);
  return "ROW(" + out + ")";
}

// record_image_eq is the function behind `*=`; called by name, since the parser expands an
// operator between two ROW() constructors into one comparison per column.
std::string identical(const TablePlan& plan, const std::string& a, const std::string& b, bool updatable_only = false) {
  return "pg_catalog.record_image_eq(" + row_of(plan, a, updatable_only) + ", " + row_of(plan, b, updatable_only) + ")";
}

// a.k1 = b.k1 AND ... over the match key; without one, the whole row, identical byte for byte
// (`*=` compares stored images: NULLs equal, 10.5 unlike 10.50, 'A' unlike 'a' in citext).
std::string key_match(const TablePlan& plan, const std::string& a, const std::string& b) {
  std::string out;
  if (plan.key.empty()) return plan.columns.empty() ? "true" : identical(plan, a, b);
  for (const auto& k : plan.key) out += (out.empty() ? "" : " AND ") + column_of(a, k) + " = " + column_of(b, k);
  return out;
}

// The written columns are not identical: the target does not already store exactly the
// snapshot's values. Compares binary images, not the type's equality, which calls 10.5 and
// 10.50, '1 day' and '24:00:00', or citext 'A' and 'a' equal.
std::string row_differs(const TablePlan& plan, const std::string& a, const std::string& b) {
  if (std::none_of(plan.columns.begin(), plan.columns.end(), updatable)) return "false";
  return "NOT " + identical(plan, a, b, true);
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

// Stages live in this session's temporary schema, named so that a user table of the same name
// (public.pgtote_stage_0 with pg_temp late in search_path) can never be taken for one.
std::string temporary(const std::string& name) { return "pg_temp." + quote_ident(name); }
std::string stage(const TablePlan& plan) { return temporary(plan.stage); }
std::string target(const TablePlan& plan) { return table_ref(*plan.target); }
std::string limit_clause(int limit) { return " ORDER BY 2 LIMIT " + std::to_string(limit); }

// The snapshot row number of stage row `alias` (no alias: the stage's column, for creating it).
std::string row_number(const TablePlan& plan, const std::string& alias = "") {
  if (plan.rows_by_position && !alias.empty())
    return "(SELECT r.n FROM " + temporary(plan.stage + "_rows") + " r WHERE r.tid = " + alias + ".ctid)";
  return (alias.empty() ? "" : alias + ".") + quote_ident(plan.row_column);
}

// ", NULL::text AS raw0, ..." (create) or ", raw0, ..." (copy): the snapshot text of converted columns.
std::string raw_list(const TablePlan& plan, bool create) {
  std::string out;
  for (size_t n = 0; n < converted_columns(plan).size(); ++n)
    out += std::string(", ") + (create ? "NULL::text AS " : "") + quote_ident(raw_column(plan, n));
  return out;
}

std::string written_list(const TablePlan& plan, const std::string& alias) {
  std::string out;
  for (const auto& c : plan.columns)
    out += (out.empty() ? "" : ", ") + (alias.empty() ? quote_ident(c.name) : column_of(alias, c.name));
  return out;
}

// A temporal key (PostgreSQL 18): the parent rows with equal other columns, in the target and in
// its stage together, must cover the child's period with their own (range_agg, as the server checks).
std::string uncovered_period(const ForeignKey& fk, const Table& parent, const std::string& parent_stage) {
  std::string out, match;
  size_t last = fk.columns.size() - 1;
  for (size_t i = 0; i < fk.columns.size(); ++i) out += column_of("s", fk.columns[i]) + " IS NOT NULL AND ";
  for (size_t i = 0; i < last; ++i)
    match += " AND " + column_of("p", fk.ref_columns[i]) + " = " + column_of("s", fk.columns[i]);
  std::string periods =
      "SELECT " + column_of("p", fk.ref_columns[last]) + " FROM " + table_ref(parent) + " p WHERE true" + match;
  if (!parent_stage.empty())
    periods += " UNION ALL SELECT " + column_of("p", fk.ref_columns[last]) + " FROM " + quote_ident(parent_stage) +
               " p WHERE true" + match;
  return out + "NOT COALESCE((SELECT pg_catalog.range_agg(q.period) FROM (" + periods + ") q(period)) @> " +
         column_of("s", fk.columns[last]) + ", false)";
}

// s.fk1 IS NOT NULL AND ... AND NOT EXISTS (parent) [AND NOT EXISTS (parent stage)]
std::string orphan_condition(const ForeignKey& fk, const Table& parent, const std::string& parent_stage) {
  if (fk.period && !fk.columns.empty()) return uncovered_period(fk, parent, parent_stage);
  std::string out, match;
  for (size_t i = 0; i < fk.columns.size(); ++i) {
    out += column_of("s", fk.columns[i]) + " IS NOT NULL AND ";
    match += (match.empty() ? "" : " AND ") + column_of("p", fk.ref_columns[i]) + " = " + column_of("s", fk.columns[i]);
  }
  out += "NOT EXISTS (SELECT 1 FROM " + table_ref(parent) + " p WHERE " + match + ")";
  if (!parent_stage.empty())
    out += " AND NOT EXISTS (SELECT 1 FROM " + temporary(parent_stage) + " p WHERE " + match + ")";
  return out;
}

}  // namespace

std::string create_stage(const TablePlan& plan) {
  // Same column types as the target, no constraints: every problem is found by a query later.
  if (plan.rows_by_position)
    return "CREATE TEMPORARY TABLE " + stage(plan) + " AS SELECT " + written_list(plan, "") + raw_list(plan, true) +
           " FROM " + target(plan) + " WITH NO DATA";
  return "CREATE TEMPORARY TABLE " + stage(plan) + " AS SELECT 0::bigint AS " + row_number(plan) +
         (plan.columns.empty() ? "" : ", " + written_list(plan, "")) + raw_list(plan, true) + " FROM " + target(plan) +
         " WITH NO DATA";
}

std::string number_stage_rows(const TablePlan& plan) {
  std::string rows = temporary(plan.stage + "_rows");
  return "CREATE TEMPORARY TABLE " + rows + " AS SELECT ctid AS tid, row_number() OVER (ORDER BY ctid) AS n FROM " +
         stage(plan) + "; CREATE INDEX ON " + rows + " (tid)";
}

std::string copy_stage(const TablePlan& plan) {
  if (plan.rows_by_position)
    return "COPY " + stage(plan) + " (" + written_list(plan, "") + raw_list(plan, false) + ") FROM STDIN";
  return "COPY " + stage(plan) + " (" + row_number(plan) + (plan.columns.empty() ? "" : ", " + written_list(plan, "")) +
         raw_list(plan, false) + ") FROM STDIN";
}

std::string copy_into_target(const TablePlan& plan) {
  return "COPY " + quote_qualified(plan.target->schema, plan.target->name) + " (" + written_list(plan, "") +
         ") FROM STDIN";
}

std::string target_is_empty(const TablePlan& plan) { return "SELECT NOT EXISTS (SELECT 1 FROM " + target(plan) + ")"; }

std::string stage_from_target(const TablePlan& plan) {
  return "INSERT INTO " + stage(plan) + " (" + row_number(plan) + ", " + written_list(plan, "") +
         ") SELECT pg_catalog.row_number() OVER (ORDER BY t.ctid), " + written_list(plan, "t") + " FROM " +
         target(plan) + " t";
}

std::string empty_target(const TablePlan& plan) { return "DELETE FROM " + target(plan); }

std::string duplicate_keys(const TablePlan& plan) {
  std::string keys;
  for (const auto& k : plan.key) keys += (keys.empty() ? "" : ", ") + quote_ident(k);
  return "SELECT count(*) FROM (SELECT 1 FROM " + stage(plan) + " GROUP BY " + keys + " HAVING count(*) > 1) d";
}

std::string duplicate_key_rows(const TablePlan& plan, int limit) {
  std::string keys;
  for (const auto& k : plan.key) keys += (keys.empty() ? "" : ", ") + column_of("s", k);
  return "SELECT " + texts("s", plan.key).substr(2) + ", string_agg(" + row_number(plan, "s") +
         "::text, ', ' ORDER BY " + row_number(plan, "s") + ") FROM " + stage(plan) + " s GROUP BY " + keys +
         " HAVING count(*) > 1 ORDER BY " + keys + " LIMIT " + std::to_string(limit);
}

std::string null_counts(const TablePlan& plan, const std::vector<std::string>& columns) {
  std::string out = "SELECT ";
  for (size_t i = 0; i < columns.size(); ++i)
    out += (i ? ", " : "") + std::string("count(*) FILTER (WHERE ") + quote_ident(columns[i]) + " IS NULL)";
  return out + " FROM " + stage(plan);
}

std::string null_rows(const TablePlan& plan, const std::string& column, int limit) {
  return "SELECT " + row_number(plan, "s") + " FROM " + stage(plan) + " s WHERE " + column_of("s", column) +
         " IS NULL ORDER BY 1 LIMIT " + std::to_string(limit);
}

std::string missing_parents(const TablePlan& plan, const ForeignKey& fk, const Table& parent,
                            const std::string& parent_stage, int limit) {
  return "SELECT count(*) OVER (), " + row_number(plan, "s") + texts("s", fk.columns) + " FROM " + stage(plan) +
         " s WHERE " + orphan_condition(fk, parent, parent_stage) + limit_clause(limit);
}

std::string delete_missing_parents(const TablePlan& plan, const ForeignKey& fk, const Table& parent,
                                   const std::string& parent_stage) {
  return "DELETE FROM " + stage(plan) + " s WHERE " + orphan_condition(fk, parent, parent_stage);
}

namespace {

// s's unique values equal those of t, a different target row...
std::string collision(const TablePlan& plan, const UniqueKey& unique) {
  std::string match;
  for (const auto& c : unique.columns)
    match += (match.empty() ? "" : " AND ") + column_of("t", c) + " = " + column_of("s", c);
  return match + " AND NOT (" + key_match(plan, "t", "s") + ")";
}

// ...that the import does not move away: a target row whose own snapshot row gives it other
// unique values frees them (a value moving from an old row to a new one, two rows swapping).
std::string not_released(const TablePlan& plan, const UniqueKey& unique, bool keep_existing) {
  if (keep_existing || plan.key.empty()) return "";
  std::string old_values, new_values;
  for (const auto& c : unique.columns) {
    old_values += (old_values.empty() ? "" : ", ") + column_of("t", c);
    new_values += (new_values.empty() ? "" : ", ") + column_of("m", c);
  }
  return " AND NOT EXISTS (SELECT 1 FROM " + stage(plan) + " m WHERE " + key_match(plan, "t", "m") + " AND ROW(" +
         old_values + ") IS DISTINCT FROM ROW(" + new_values + "))";
}

}  // namespace

std::string conflicts(const TablePlan& plan, const UniqueKey& unique, bool keep_existing, int limit) {
  std::vector<std::string> key;
  key_or_row_columns(plan, key);
  return "SELECT count(*) OVER (), " + row_number(plan, "s") + texts("s", key) + texts("s", unique.columns) +
         texts("t", key) + " FROM " + stage(plan) + " s JOIN " + target(plan) + " t ON " + collision(plan, unique) +
         not_released(plan, unique, keep_existing) + limit_clause(limit);
}

std::string delete_conflicts(const TablePlan& plan, const UniqueKey& unique, bool keep_existing) {
  return "DELETE FROM " + stage(plan) + " s USING " + target(plan) + " t WHERE " + collision(plan, unique) +
         not_released(plan, unique, keep_existing);
}

std::string existing_rows(const TablePlan& plan, int limit) {
  std::vector<std::string> key;
  key_or_row_columns(plan, key);
  return "SELECT count(*) OVER (), " + row_number(plan, "s") + texts("s", key) + " FROM " + stage(plan) +
         " s WHERE EXISTS (SELECT 1 FROM " + target(plan) + " t WHERE " + key_match(plan, "t", "s") + ")" +
         limit_clause(limit);
}

std::string classify(const TablePlan& plan) {
  std::string exists = "EXISTS (SELECT 1 FROM " + target(plan) + " t WHERE " + key_match(plan, "t", "s") + ")";
  if (plan.key.empty())  // whole-row match: present or not, never "changed"
    return "SELECT count(*), count(*) FILTER (WHERE NOT " + exists + "), 0 FROM " + stage(plan) + " s";
  // ctid is a system column: it cannot collide with a column of the table. The comparison stays
  // in a subquery the planner keeps (OFFSET 0): an aggregate's filter would gather every column
  // of both tables into one row, past the server's 1,664 entries for tables over ~830 columns.
  return "SELECT count(*), count(*) FILTER (WHERE missing), count(*) FILTER (WHERE differs) FROM (SELECT t.ctid IS "
         "NULL AS missing, t.ctid IS NOT NULL AND " +
         row_differs(plan, "t", "s") + " AS differs FROM " + stage(plan) + " s LEFT JOIN " + target(plan) + " t ON " +
         key_match(plan, "t", "s") + " OFFSET 0) x";
}

std::string changed_rows(const TablePlan& plan, int limit) {
  // Two values per column in one select list pass the server's 1,664 entries from ~830 columns
  // on. So the changed rows are picked first, by number alone (a sort under LIMIT would otherwise
  // carry every column of both tables), then each one's values travel as two arrays (ARRAY[] has
  // no argument limit) unnested side by side: one result row per column, for any width.
  std::string before, after;
  for (const auto& c : plan.columns) {
    before += (before.empty() ? "" : ", ") + column_of("t", c.name) + "::text";
    after += (after.empty() ? "" : ", ") + column_of("s", c.name) + "::text";
  }
  std::string with_target = " JOIN " + target(plan) + " t ON " + key_match(plan, "t", "s");
  std::string changed = "SELECT " + row_number(plan, "s") + " AS n FROM " + stage(plan) + " s" + with_target +
                        " WHERE " + row_differs(plan, "t", "s") + " ORDER BY 1 LIMIT " + std::to_string(limit);
  // The arrays are built in a subquery of their own (OFFSET 0): on PostgreSQL 16 and later an
  // unnest that reads both tables' columns would gather them all into the join below it.
  std::string arrays = "SELECT c.n, ARRAY[" + before + "]::text[] AS before, ARRAY[" + after +
                       "]::text[] AS after FROM (" + changed + ") c JOIN " + stage(plan) + " s ON " +
                       row_number(plan, "s") + " = c.n" + with_target + " OFFSET 0";
  return "SELECT d.n, v.position, v.before, v.after FROM (" + arrays +
         ") d LEFT JOIN LATERAL ROWS FROM (pg_catalog.unnest(d.before), pg_catalog.unnest(d.after)) WITH ORDINALITY AS "
         "v(before, after, position) ON true ORDER BY 1, 2";
}

namespace {

// SET for an update: every written column but GENERATED ALWAYS identities (which the server
// refuses to set); key columns too, so a key stored differently (citext case) becomes identical.
std::string set_list(const TablePlan& plan) {
  std::string set;
  for (const auto& c : plan.columns)
    if (!c.identity_always) set += (set.empty() ? "" : ", ") + quote_ident(c.name) + " = " + column_of("s", c.name);
  return set;
}

std::string update_sql(const TablePlan& plan, const std::string& range) {
  return "UPDATE " + target(plan) + " t SET " + set_list(plan) + " FROM " + stage(plan) + " s WHERE " +
         key_match(plan, "t", "s") + " AND " + row_differs(plan, "t", "s") + range;
}

std::string insert_sql(const TablePlan& plan, const std::string& range) {
  // INSERT INTO a partitioned table routes rows to its partitions; ONLY is for reading.
  std::string columns = plan.columns.empty() ? "" : " (" + written_list(plan, "") + ")";
  return "INSERT INTO " + quote_qualified(plan.target->schema, plan.target->name) + columns +
         " OVERRIDING SYSTEM VALUE SELECT " + written_list(plan, "s") + " FROM " + stage(plan) +
         " s WHERE NOT EXISTS (SELECT 1 FROM " + target(plan) + " t WHERE " + key_match(plan, "t", "s") + ")" + range;
}

bool updates(const TablePlan& plan, bool keep_existing) {
  return !keep_existing && !plan.key.empty() && !set_list(plan).empty();
}

}  // namespace

std::string update_changed(const TablePlan& plan) { return update_sql(plan, ""); }
std::string insert_new(const TablePlan& plan) { return insert_sql(plan, ""); }

std::string merge(const std::vector<const TablePlan*>& group, bool keep_existing, uint64_t first_row, uint64_t last_row,
                  const std::vector<MergeParts>& parts) {
  std::string with, select;
  for (size_t i = 0; i < group.size(); ++i) {
    const TablePlan& plan = *group[i];
    std::string range = first_row <= last_row ? " AND " + row_number(plan, "s") + " BETWEEN " +
                                                    std::to_string(first_row) + " AND " + std::to_string(last_row)
                                              : "";
    std::string n = std::to_string(i);
    MergeParts part = i < parts.size() ? parts[i] : MergeParts{};
    bool update = part.update && updates(plan, keep_existing);
    if (update)
      with +=
          std::string(with.empty() ? "WITH " : ", ") + "u" + n + " AS (" + update_sql(plan, range) + " RETURNING 1)";
    if (part.insert)
      with +=
          std::string(with.empty() ? "WITH " : ", ") + "i" + n + " AS (" + insert_sql(plan, range) + " RETURNING 1)";
    select += std::string(select.empty() ? "" : ", ") + (update ? "(SELECT count(*) FROM u" + n + ")" : "0") + ", " +
              (part.insert ? "(SELECT count(*) FROM i" + n + ")" : "0");
  }
  return with + " SELECT " + select;
}

std::string converted_values(const TablePlan& plan, size_t n, const std::string& stored_as, int limit) {
  std::vector<std::string> key;
  key_or_row_columns(plan, key);
  const ImportColumn& column = plan.columns[converted_columns(plan)[n]];
  std::string stored = column_of("s", column.name) + (stored_as.empty() ? "" : "::" + stored_as) + "::text";
  std::string raw = column_of("s", raw_column(plan, n));
  return "SELECT count(*) OVER (), " + row_number(plan, "s") + texts("s", key) + ", " + raw + ", " + stored + " FROM " +
         stage(plan) + " s WHERE " + stored + " IS DISTINCT FROM " + raw + limit_clause(limit);
}

std::string row_key(const TablePlan& plan, uint64_t row) {
  std::string keys;
  for (const auto& k : plan.key) keys += (keys.empty() ? "" : ", ") + column_of("s", k) + "::text";
  return "SELECT " + (keys.empty() ? std::string("1") : keys) + " FROM " + stage(plan) + " s WHERE " +
         row_number(plan, "s") + " = " + std::to_string(row);
}

std::string row_json(const TablePlan& plan, uint64_t row) {
  std::string internal = "'" + plan.row_column + "'";
  for (size_t n = 0; n < converted_columns(plan).size(); ++n) internal += ", '" + raw_column(plan, n) + "'";
  // s.* is the whole row even when the table has a column named s.
  return "SELECT (pg_catalog.to_jsonb(s.*) - ARRAY[" + internal + "])::text FROM " + stage(plan) + " s WHERE " +
         row_number(plan, "s") + " = " + std::to_string(row);
}

}  // namespace pgtote::import_sql
