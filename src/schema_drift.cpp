// Drift rules. Only missing things block: the rest is reported so the user knows before writing.
#include "pgtote/schema_drift.h"

#include <algorithm>
#include <cstdlib>
#include <initializer_list>
#include <map>

#include "pgtote/sql_quote.h"

namespace pgtote {

namespace {

// Each unique key as its text, "(id, valid WITHOUT OVERLAPS)" for a temporal one, sorted.
std::vector<std::string> unique_sets(const Table& table) {
  std::vector<std::string> sets;
  for (const auto& unique : table.unique_keys) sets.push_back(key_text(unique.columns, unique.without_overlaps));
  std::sort(sets.begin(), sets.end());
  return sets;
}

std::string primary_key_text(const Table& table) {
  return table.primary_key.empty() ? "none" : key_text(table.primary_key, table.primary_key_without_overlaps);
}

// The column as ADD COLUMN declares it: a generated column stays generated (STORED or VIRTUAL).
std::string column_definition(const Column& column) {
  std::string sql = quote_ident(column.name) + " " + column.type;
  if (!column.generated.empty() && column.default_expr)
    return sql + " GENERATED ALWAYS AS (" + *column.default_expr + ") " +
           (column.generated == "virtual" ? "VIRTUAL" : "STORED");
  if (column.default_expr) sql += " DEFAULT " + *column.default_expr;
  if (column.not_null && column.default_expr) sql += " NOT NULL";
  return sql;
}

int integer_rank(const std::string& type) {
  if (type == "smallint") return 1;
  if (type == "integer") return 2;
  if (type == "bigint") return 3;
  return 0;
}

bool is_unbounded_text(const std::string& type) { return type == "text" || type == "character varying"; }

// "timestamp(3) without time zone" -> base "timestamp without time zone", modifiers {3}.
struct TypeShape {
  std::string base;
  std::vector<long> modifiers;
};

TypeShape shape_of(const std::string& type) {
  TypeShape shape{type, {}};
  size_t open = type.find('('), close = type.find(')');
  if (open == std::string::npos || close == std::string::npos || close < open || type.back() == ']') return shape;
  shape.base = type.substr(0, open) + type.substr(close + 1);
  std::string inside = type.substr(open + 1, close - open - 1);
  for (size_t start = 0; start <= inside.size();) {
    size_t comma = inside.find(',', start);
    if (comma == std::string::npos) comma = inside.size();
    shape.modifiers.push_back(std::strtol(inside.c_str() + start, nullptr, 10));
    start = comma + 1;
  }
  return shape;
}

bool one_of(const std::string& type, std::initializer_list<const char*> names) {
  for (const char* name : names)
    if (type == name) return true;
  return false;
}

// Would a value of `from` be stored differently (rounded, trimmed) in `to`? Values that do not
// fit at all are refused by the server while staging; these are the silent changes.
bool narrows(const std::string& from, const std::string& to) {
  TypeShape a = shape_of(from), b = shape_of(to);
  if (a.base == b.base && !b.modifiers.empty()) {
    if (a.modifiers.empty()) return a.base != "character";  // unlimited -> limited
    if (a.base == "numeric") return a.modifiers.size() > 1 && b.modifiers.size() > 1 && b.modifiers[1] < a.modifiers[1];
    return b.modifiers[0] < a.modifiers[0];  // length or fractional-second precision
  }
  bool to_integer = one_of(b.base, {"smallint", "integer", "bigint"});
  if (a.base == "double precision") return b.base == "real" || to_integer || b.base == "numeric";
  if (a.base == "numeric") return to_integer || one_of(b.base, {"real", "double precision"});
  if (a.base == "real") return to_integer;
  if (a.base.rfind("timestamp", 0) == 0) return b.base == "date" || (b.base.rfind("time ", 0) == 0);
  if (is_unbounded_text(a.base) || a.base == "text")
    return !b.modifiers.empty() && one_of(b.base, {"character varying", "character"});
  return false;
}

}  // namespace

const char* drift_kind_name(DriftItem::Kind kind) {
  switch (kind) {
    case DriftItem::Kind::missing_table:
      return "missing table";
    case DriftItem::Kind::missing_column:
      return "missing column";
    case DriftItem::Kind::required_column:
      return "required column";
    case DriftItem::Kind::type_differs:
      return "type differs";
    case DriftItem::Kind::key_differs:
      return "key differs";
    case DriftItem::Kind::outside_parent:
      return "parent outside the snapshot";
  }
  return "drift";
}

std::string conversion_note(const std::string& from, const std::string& to) {
  if (narrows(from, to))
    return "narrower: values may be stored rounded or trimmed; each one that would be is listed and stops the "
           "import unless --allow-lossy";
  int a = integer_rank(from), b = integer_rank(to);
  if (a && b) return a <= b ? "values convert" : "values convert only if they fit (each is checked while staging)";
  if (a && (to.rfind("numeric", 0) == 0 || to == "double precision")) return "values convert";
  if (is_unbounded_text(to)) return "values convert (as their text form)";
  if (from.rfind("json", 0) == 0 && to.rfind("json", 0) == 0) return "values convert";
  return "values may not convert (each is checked while staging)";
}

std::vector<DriftItem> table_drift(const Table& source, const std::vector<Table>& target_tables,
                                   const std::set<std::pair<std::string, std::string>>& source_tables,
                                   bool ignore_missing_columns) {
  std::vector<DriftItem> items;
  const std::string name = source.qualified_name();
  auto target_it = std::find_if(target_tables.begin(), target_tables.end(),
                                [&](const Table& t) { return t.schema == source.schema && t.name == source.name; });
  if (target_it == target_tables.end()) {
    items.push_back(
        {DriftItem::Kind::missing_table, name, "", true,
         "table " + name + " is in the snapshot but not in the target (create it, or leave it out with -T)",
         "-- create table " + quote_qualified(source.schema, source.name) + " (run the migrations that make it)"});
    return items;
  }
  const Table& target = *target_it;
  for (const auto& column : source.columns) {
    const Column* there = target.find_column(column.name);
    if (!there) {
      std::string sql =
          "ALTER TABLE " + quote_qualified(target.schema, target.name) + " ADD COLUMN " + column_definition(column);
      items.push_back(
          {DriftItem::Kind::missing_column, name, column.name, !ignore_missing_columns,
           "column " + name + "." + column.name + " (" + column.type + ") is in the snapshot but not in the target" +
               (ignore_missing_columns ? "; its values are dropped (--ignore-missing-columns)"
                                       : " (add it, or import the shared columns with --ignore-missing-columns)"),
           sql + ";"});
    } else if (!there->generated.empty() && column.generated.empty()) {
      items.push_back({DriftItem::Kind::type_differs, name, column.name, false,
                       "column " + name + "." + column.name +
                           " is generated in the target but holds values in the snapshot: the snapshot's values "
                           "are not written, the target computes its own",
                       ""});
    } else if (there->type != column.type) {
      items.push_back({DriftItem::Kind::type_differs, name, column.name, false,
                       "column " + name + "." + column.name + " is " + column.type + " in the snapshot, " +
                           there->type + " in the target: " + conversion_note(column.type, there->type),
                       ""});
    }
  }
  for (const auto& column : target.columns) {
    if (source.find_column(column.name) || !column.not_null || column.default_expr || !column.identity.empty() ||
        !column.generated.empty())
      continue;
    items.push_back({DriftItem::Kind::required_column, name, column.name, true,
                     "column " + name + "." + column.name +
                         " is NOT NULL without a default in the target and not in the snapshot: "
                         "new rows cannot be inserted (give it a default, or export it from the source)",
                     "ALTER TABLE " + quote_qualified(target.schema, target.name) + " ALTER COLUMN " +
                         quote_ident(column.name) + " SET DEFAULT ...;"});
  }
  if (primary_key_text(source) != primary_key_text(target))
    items.push_back({DriftItem::Kind::key_differs, name, "", false,
                     "primary key of " + name + " is " + primary_key_text(source) + " in the snapshot, " +
                         primary_key_text(target) + " in the target: rows are matched on the target's key",
                     ""});
  if (unique_sets(source) != unique_sets(target)) {
    std::string a, b;
    for (const auto& u : unique_sets(source)) a += (a.empty() ? "" : " ") + u;
    for (const auto& u : unique_sets(target)) b += (b.empty() ? "" : " ") + u;
    items.push_back({DriftItem::Kind::key_differs, name, "", false,
                     "unique keys of " + name + " differ: " + (a.empty() ? "none" : a) + " in the snapshot, " +
                         (b.empty() ? "none" : b) + " in the target (collisions are reported as conflicts)",
                     ""});
  }
  for (const auto& fk : target.foreign_keys) {
    // A NOT ENFORCED key asks nothing of the target's rows.
    if (!fk.enforced || source_tables.count({fk.ref_schema, fk.ref_table})) continue;
    items.push_back(
        {DriftItem::Kind::outside_parent, name, "", false,
         "foreign key " + fk.name + " of " + name + " references " + fk.ref_schema + "." + fk.ref_table +
             ", which the snapshot does not carry: its rows must already exist in the target" +
             (fk.period ? " (rows whose periods cover each referencing row's, as a temporal key asks)" : ""),
         ""});
  }
  return items;
}

std::vector<DriftItem> schema_drift(const std::vector<Table>& source_tables, const std::vector<Table>& target_tables) {
  std::set<std::pair<std::string, std::string>> names;
  for (const auto& t : source_tables) names.insert({t.schema, t.name});
  std::vector<DriftItem> items;
  for (const auto& t : source_tables) {
    auto more = table_drift(t, target_tables, names, false);
    items.insert(items.end(), more.begin(), more.end());
  }
  return items;
}

}  // namespace pgtote
