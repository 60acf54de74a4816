// Resolving a subset spec: names to tables, columns and foreign keys; the downward rules to each
// edge; cycles from the dependency order; and the SQL of each closure step.
#include "pgtote/subset_graph.h"

#include <algorithm>
#include <map>

#include "pgtote/dep_graph.h"
#include "pgtote/error.h"
#include "pgtote/pg_conn.h"
#include "pgtote/sql_quote.h"

namespace pgtote {

namespace {

[[noreturn]] void usage(const std::string& message) { throw Error(ExitCode::usage, "subset: " + message); }

std::string trim(std::string_view text) {
  size_t a = text.find_first_not_of(" \t"), b = text.find_last_not_of(" \t");
  return a == std::string_view::npos ? "" : std::string(text.substr(a, b - a + 1));
}

// "schema.table(col, \"Other col\")" -> table text and columns; no parentheses: no columns.
struct EdgeName {
  std::string table;
  std::vector<std::string> columns;
  bool has_columns = false;
};

EdgeName parse_edge_name(const std::string& text) {
  EdgeName name;
  std::string trimmed = trim(text);
  size_t open = trimmed.rfind('(');
  if (trimmed.empty() || trimmed.back() != ')' || open == std::string::npos) {
    name.table = trimmed;
    return name;
  }
  name.table = trim(std::string_view(trimmed).substr(0, open));
  name.has_columns = true;
  std::string_view list = std::string_view(trimmed).substr(open + 1, trimmed.size() - open - 2);
  for (size_t start = 0; start <= list.size();) {
    size_t comma = list.find(',', start);
    if (comma == std::string_view::npos) comma = list.size();
    std::string column = trim(list.substr(start, comma - start));
    if (column.size() >= 2 && column.front() == '"' && column.back() == '"')
      column = column.substr(1, column.size() - 2);
    if (!column.empty()) name.columns.push_back(column);
    start = comma + 1;
  }
  return name;
}

// "schema.name" exactly, else a bare name that one exported table has.
size_t find_table(const std::vector<const Table*>& tables, const std::string& name, const std::string& what) {
  for (size_t i = 0; i < tables.size(); ++i)
    if (tables[i]->qualified_name() == name) return i;
  std::optional<size_t> found;
  for (size_t i = 0; i < tables.size(); ++i)
    if (tables[i]->name == name) {
      if (found) usage(what + " \"" + name + "\" names more than one table; write it as schema.name");
      found = i;
    }
  if (!found) usage(what + " \"" + name + "\" matches no exported table");
  return *found;
}

bool same_columns(std::vector<std::string> a, std::vector<std::string> b) {
  std::sort(a.begin(), a.end());
  std::sort(b.begin(), b.end());
  return a == b;
}

std::string edge_text(const Table& table, const std::vector<std::string>& columns) {
  std::string out = table.qualified_name() + "(";
  for (size_t i = 0; i < columns.size(); ++i) out += (i ? ", " : "") + columns[i];
  return out + ")";
}

// Position of `expression` among a table's values, added when new.
size_t value_position(SubsetTableShape& shape, const TypedExpression& expression) {
  for (size_t i = 0; i < shape.values.size(); ++i)
    if (shape.values[i].sql == expression.sql) return i;
  shape.values.push_back(expression);
  return shape.values.size() - 1;
}

std::vector<TypedExpression> typed_columns(const Table& table, const std::vector<std::string>& columns) {
  std::vector<TypedExpression> out;
  for (const auto& column : columns) out.push_back({"t." + quote_ident(column), table.find_column(column)->type});
  return out;
}

void check_columns(const Table& table, const std::vector<std::string>& columns, const std::string& what) {
  if (columns.empty()) usage(what + " names no columns");
  for (const auto& column : columns)
    if (!table.find_column(column)) usage(what + ": " + table.qualified_name() + " has no column \"" + column + "\"");
}

void add_declared_edges(SubsetGraph& graph) {
  std::map<std::string, size_t> position;
  for (size_t i = 0; i < graph.tables.size(); ++i) position[graph.tables[i]->qualified_name()] = i;
  for (size_t child = 0; child < graph.tables.size(); ++child)
    for (const auto& fk : graph.tables[child]->foreign_keys) {
      auto parent = position.find(fk.ref_schema + "." + fk.ref_table);
      if (parent == position.end()) continue;  // a parent outside the export: as a full export does
      SubsetEdge edge;
      edge.child = child;
      edge.parent = parent->second;
      edge.child_columns = fk.columns;
      edge.parent_columns = fk.ref_columns;
      edge.foreign_key = fk.name;
      edge.label =
          edge_text(*graph.tables[child], fk.columns) + " -> " + edge_text(*graph.tables[edge.parent], fk.ref_columns);
      graph.edges.push_back(std::move(edge));
    }
}

void add_virtual_edges(SubsetGraph& graph, const SubsetSpec& spec) {
  for (const auto& virtual_key : spec.virtual_foreign_keys) {
    std::string what = "virtual foreign key from \"" + virtual_key.from + "\"";
    EdgeName from = parse_edge_name(virtual_key.from), to = parse_edge_name(virtual_key.to);
    SubsetEdge edge;
    edge.child = find_table(graph.tables, from.table, what);
    edge.parent = find_table(graph.tables, to.table, what + " to \"" + virtual_key.to + "\"");
    check_columns(*graph.tables[edge.child], from.columns, what);
    check_columns(*graph.tables[edge.parent], to.columns, what + " to \"" + virtual_key.to + "\"");
    if (from.columns.size() != to.columns.size())
      usage(what + " to \"" + virtual_key.to + "\": the two sides name different numbers of columns");
    edge.child_columns = from.columns;
    edge.parent_columns = to.columns;
    edge.when = trim(virtual_key.when);
    edge.label = edge_text(*graph.tables[edge.child], from.columns) + " -> " +
                 edge_text(*graph.tables[edge.parent], to.columns) + " (virtual)";
    graph.edges.push_back(std::move(edge));
  }
}

// Self-references and cycles, from the same components the export order uses (virtual edges too).
void mark_cycles(SubsetGraph& graph) {
  std::vector<std::string> names;
  for (const Table* table : graph.tables) names.push_back(order_key(*table));
  std::vector<std::pair<size_t, size_t>> pairs;
  for (const auto& edge : graph.edges) pairs.push_back({edge.child, edge.parent});
  TableOrder order = dependency_order(names, pairs);
  std::vector<size_t> component(graph.tables.size(), SIZE_MAX);
  for (size_t c = 0; c < order.components.size(); ++c)
    for (size_t member : order.components[c]) component[member] = c;
  for (auto& edge : graph.edges)
    edge.in_cycle = edge.child == edge.parent ||
                    (component[edge.child] != SIZE_MAX && component[edge.child] == component[edge.parent]);
}

// `children:` rules: one foreign key (by its columns) first, then the child table; a cycle edge is
// followed downward only when its own foreign key is turned on.
void apply_child_rules(SubsetGraph& graph, const SubsetSpec& spec) {
  std::vector<const SubsetChildRule*> table_rule(graph.tables.size(), nullptr);
  std::vector<const SubsetChildRule*> edge_rule(graph.edges.size(), nullptr);
  for (const auto& rule : spec.children) {
    EdgeName name = parse_edge_name(rule.edge);
    std::string what = "children \"" + rule.edge + "\"";
    size_t table = find_table(graph.tables, name.table, what);
    if (!name.has_columns) {
      table_rule[table] = &rule;
      continue;
    }
    check_columns(*graph.tables[table], name.columns, what);
    bool matched = false;
    for (size_t e = 0; e < graph.edges.size(); ++e)
      if (graph.edges[e].child == table && same_columns(graph.edges[e].child_columns, name.columns)) {
        edge_rule[e] = &rule;
        matched = true;
      }
    if (!matched) usage(what + ": no foreign key of " + graph.tables[table]->qualified_name() + " has these columns");
  }
  for (size_t e = 0; e < graph.edges.size(); ++e) {
    SubsetEdge& edge = graph.edges[e];
    const SubsetChildRule* rule = edge_rule[e] ? edge_rule[e] : edge.in_cycle ? nullptr : table_rule[edge.child];
    edge.follow_down = rule ? rule->follow : !edge.in_cycle;
    if (rule) edge.limit_per_parent = rule->limit_per_parent;
  }
}

void apply_parent_rules(SubsetGraph& graph, const SubsetSpec& spec) {
  for (const auto& [text, rule] : spec.parents) {
    std::string what = "parents \"" + text + "\"";
    if (rule != "null_outside") usage(what + ": the only rule is null_outside, not \"" + rule + "\"");
    EdgeName name = parse_edge_name(text);
    size_t table = find_table(graph.tables, name.table, what);
    check_columns(*graph.tables[table], name.columns, what);
    bool matched = false;
    for (auto& edge : graph.edges) {
      if (edge.child != table || !same_columns(edge.child_columns, name.columns) || !edge.when.empty()) continue;
      if (edge.foreign_key.empty()) continue;  // virtual keys are not enforced: nothing to cut
      for (const auto& column : edge.child_columns)
        if (graph.tables[table]->find_column(column)->not_null)
          usage(what + ": column \"" + column + "\" is NOT NULL, so the reference cannot be cut");
      edge.null_outside = true;
      matched = true;
    }
    if (!matched) usage(what + ": no foreign key of " + graph.tables[table]->qualified_name() + " has these columns");
  }
}

void add_shapes(SubsetGraph& graph) {
  graph.shapes.resize(graph.tables.size());
  for (size_t i = 0; i < graph.tables.size(); ++i) {
    graph.shapes[i].values = row_identity(*graph.tables[i]);
    graph.shapes[i].identity_size = graph.shapes[i].values.size();
  }
  for (auto& edge : graph.edges) {
    for (const auto& value : typed_columns(*graph.tables[edge.child], edge.child_columns))
      edge.child_values.push_back(value_position(graph.shapes[edge.child], value));
    for (const auto& value : typed_columns(*graph.tables[edge.parent], edge.parent_columns))
      edge.parent_values.push_back(value_position(graph.shapes[edge.parent], value));
  }
  for (auto& edge : graph.edges)
    if (!edge.when.empty())
      edge.when_value = value_position(graph.shapes[edge.child], {"(" + edge.when + ")", "pg_catalog.bool"});
}

std::string values_list(const SubsetTableShape& shape) {
  std::string out;
  for (size_t i = 0; i < shape.values.size(); ++i) out += (i ? ", " : "") + shape.values[i].sql;
  return out;
}

// (e1, e2) IN (SELECT u.c0::type1, u.c1::type2 FROM ROWS FROM (unnest($1::text[]), unnest($2::text[])) u(c0, c1))
// `first_parameter`: the number of the first array's placeholder ($1 unless several are combined).
std::string bound_tuple_in_sql(const std::vector<TypedExpression>& expressions, size_t first_parameter = 1) {
  std::string left, casts, arrays, names;
  for (size_t i = 0; i < expressions.size(); ++i) {
    std::string n = std::to_string(i);
    left += (i ? ", " : "") + expressions[i].sql;
    casts += (i ? ", u.c" : "u.c") + n + "::" + expressions[i].type;
    arrays += (i ? ", pg_catalog.unnest($" : "pg_catalog.unnest($") + std::to_string(i + first_parameter) +
              "::pg_catalog.text[])";
    names += (i ? ", c" : "c") + n;
  }
  return "(" + left + ") IN (SELECT " + casts + " FROM ROWS FROM (" + arrays + ") AS u(" + names + "))";
}

// One key column, not an array (whose = ANY would compare its elements): matched by = ANY.
bool any_form(const SubsetGraph& graph, const std::vector<TypedExpression>& expressions) {
  return graph.hashed_arrays && expressions.size() == 1 && !expressions[0].type.ends_with("]");
}

// The keys bound as text arrays from $first_parameter on (one per expression) hold the
// expressions' values; for a scan (see SubsetGraph::hashed_arrays).
std::string scan_key_in_sql(const SubsetGraph& graph, const std::vector<TypedExpression>& expressions,
                            size_t first_parameter = 1) {
  if (!any_form(graph, expressions)) return bound_tuple_in_sql(expressions, first_parameter);
  return expressions[0].sql + " = ANY($" + std::to_string(first_parameter) + "::" + expressions[0].type + "[])";
}

// As scan_key_in_sql, with the keys inlined as literals.
std::string scan_key_in_sql(const SubsetGraph& graph, const std::vector<TypedExpression>& expressions,
                            const std::vector<std::vector<std::string>>& keys) {
  if (!any_form(graph, expressions) || keys.empty()) return tuple_in_sql(expressions, keys);
  std::vector<std::string> values;
  for (const auto& key : keys) values.push_back(key[0]);
  return expressions[0].sql + " = ANY(" + quote_literal(text_array_literal(values)) + "::" + expressions[0].type +
         "[])";
}

std::string identity_order(const SubsetGraph& graph, size_t table) {
  const auto& shape = graph.shapes[table];
  std::string out;
  for (size_t i = 0; i < shape.identity_size; ++i) out += (i ? ", " : "") + shape.values[i].sql;
  return out;
}

}  // namespace

SubsetGraph resolve_subset(const SubsetSpec& spec, const std::vector<const Table*>& tables, bool hashed_arrays) {
  SubsetGraph graph;
  graph.tables = tables;
  graph.hashed_arrays = hashed_arrays;
  for (const auto& start : spec.start) {
    SubsetStartRows rows;
    rows.table = find_table(tables, trim(start.table), "start table");
    rows.where = trim(start.where);
    rows.limit = start.limit;
    rows.order_by = trim(start.order_by);
    graph.start.push_back(rows);
  }
  add_declared_edges(graph);
  add_virtual_edges(graph, spec);
  mark_cycles(graph);
  apply_child_rules(graph, spec);
  apply_parent_rules(graph, spec);
  add_shapes(graph);
  return graph;
}

std::string subset_start_sql(const SubsetGraph& graph, const SubsetStartRows& start) {
  std::string sql =
      "SELECT " + values_list(graph.shapes[start.table]) + " FROM " + table_source_sql(*graph.tables[start.table]);
  if (!start.where.empty()) sql += " WHERE (" + start.where + ")";
  if (start.limit) {
    sql += " ORDER BY " + (start.order_by.empty() ? identity_order(graph, start.table) : start.order_by);
    sql += " LIMIT " + std::to_string(*start.limit);
  }
  return sql;
}

bool recursive_edge(const SubsetEdge& edge) {
  return edge.child == edge.parent && !edge.foreign_key.empty() && !edge.limit_per_parent;
}

namespace {

// A self-reference walked to its end in one query: the rows matching the bound keys, then the rows
// each found row leads to (`next_columns` of the table matched against the found rows' values at
// `found_positions`). UNION stops at rows found before, so a cycle in the data ends too.
// `next_is_key`: `next_columns` are a unique key (walking to parents), so each found row is looked
// up by its own index probe (a LATERAL subquery the planner cannot flatten). Left to itself the
// planner hashes the whole table on every step, since it guesses the work table ten times too big:
// a chain of N rows then costs N scans of the table.
std::string recursive_sql(const SubsetGraph& graph, const SubsetEdge& edge, const std::string& first_where,
                          const std::vector<std::string>& next_columns, const std::vector<size_t>& found_positions,
                          bool next_is_key) {
  const auto& shape = graph.shapes[edge.child];
  std::string names, found;
  for (size_t i = 0; i < shape.values.size(); ++i) {
    names += (i ? ", v" : "v") + std::to_string(i);
    found += (i ? ", found.v" : "found.v") + std::to_string(i);
  }
  std::string join;
  for (size_t i = 0; i < next_columns.size(); ++i)
    join += (i ? " AND t." : "t.") + quote_ident(next_columns[i]) + " = found.v" + std::to_string(found_positions[i]);
  std::string source = table_source_sql(*graph.tables[edge.child]);
  std::string first = "SELECT " + values_list(shape) + " FROM " + source + " WHERE " + first_where;
  std::string next;
  if (next_is_key) {
    std::string probed;
    for (size_t i = 0; i < shape.values.size(); ++i) probed += (i ? ", probe.v" : "probe.v") + std::to_string(i);
    next = "SELECT " + probed + " FROM found CROSS JOIN LATERAL (SELECT " + values_list(shape) + " FROM " + source +
           " WHERE " + join + " OFFSET 0) AS probe(" + names + ")";
  } else {
    next = "SELECT " + values_list(shape) + " FROM " + source + " JOIN found ON " + join;
  }
  return "WITH RECURSIVE found(" + names + ") AS (" + first + " UNION " + next + ") SELECT " + found + " FROM found";
}

}  // namespace

std::string subset_children_sql(const SubsetGraph& graph, const SubsetEdge& edge) {
  const Table& child = *graph.tables[edge.child];
  std::string where = recursive_edge(edge) ? bound_tuple_in_sql(typed_columns(child, edge.child_columns))
                                           : scan_key_in_sql(graph, typed_columns(child, edge.child_columns));
  if (!edge.when.empty()) where += " AND (" + edge.when + ")";
  if (recursive_edge(edge)) return recursive_sql(graph, edge, where, edge.child_columns, edge.parent_values, false);
  std::string from = " FROM " + table_source_sql(child) + " WHERE " + where;
  if (!edge.limit_per_parent) return "SELECT " + values_list(graph.shapes[edge.child]) + from;
  // The first rows by identity of each parent, as the window numbers them.
  const auto& shape = graph.shapes[edge.child];
  std::string inner, outer, partition;
  for (size_t i = 0; i < shape.values.size(); ++i) {
    inner += (i ? ", " : "") + shape.values[i].sql + " AS v" + std::to_string(i);
    outer += (i ? ", " : "") + std::string("ranked.v") + std::to_string(i);
  }
  for (size_t i = 0; i < edge.child_columns.size(); ++i)
    partition += (i ? ", t." : "t.") + quote_ident(edge.child_columns[i]);
  return "SELECT " + outer + " FROM (SELECT " + inner + ", pg_catalog.row_number() OVER (PARTITION BY " + partition +
         " ORDER BY " + identity_order(graph, edge.child) + ") AS pgtote_rank" + from +
         ") ranked WHERE ranked.pgtote_rank <= " + std::to_string(*edge.limit_per_parent);
}

bool scanned_edge(const SubsetGraph& graph, const SubsetEdge& edge) {
  if (recursive_edge(edge) || edge.limit_per_parent) return false;
  for (const auto& column : edge.child_columns)
    for (const auto& indexed : graph.tables[edge.child]->index_leading_columns)
      if (column == indexed) return false;
  return true;
}

std::string subset_children_sql(const SubsetGraph& graph, const std::vector<const SubsetEdge*>& edges) {
  const Table& child = *graph.tables[edges.front()->child];
  std::string where;
  size_t parameter = 1;
  for (const SubsetEdge* edge : edges) {
    where +=
        (where.empty() ? "(" : " OR (") + scan_key_in_sql(graph, typed_columns(child, edge->child_columns), parameter);
    if (!edge->when.empty()) where += " AND (" + edge->when + ")";
    where += ")";
    parameter += edge->child_columns.size();
  }
  return "SELECT " + values_list(graph.shapes[edges.front()->child]) + " FROM " + table_source_sql(child) + " WHERE " +
         where;
}

std::vector<bool> read_in_one_scan(const SubsetGraph& graph) {
  // The tables rows can reach going down: start tables, then children through edges followed down.
  std::vector<bool> reached(graph.tables.size(), false);
  for (const auto& start : graph.start) reached[start.table] = true;
  for (bool more = true; more;) {
    more = false;
    for (const auto& edge : graph.edges)
      if (edge.follow_down && reached[edge.parent] && !reached[edge.child]) more = reached[edge.child] = true;
  }
  std::vector<bool> one_scan(graph.tables.size(), true);
  for (const auto& start : graph.start) one_scan[start.table] = false;
  std::vector<bool> entered(graph.tables.size(), false);
  for (const auto& edge : graph.edges) {
    one_scan[edge.parent] = false;
    if (edge.null_outside) one_scan[edge.child] = false;
    // An edge from a table no row reaches going down carries no keys down: it is no reason to
    // look the table up otherwise.
    if (!edge.follow_down || !reached[edge.parent]) continue;
    entered[edge.child] = true;
    if (!scanned_edge(graph, edge)) one_scan[edge.child] = false;
  }
  for (size_t t = 0; t < one_scan.size(); ++t) one_scan[t] = one_scan[t] && entered[t];
  return one_scan;
}

std::string subset_start_whole_rows_sql(const SubsetGraph& graph, const SubsetStartRows& start,
                                        const ExportPlan& plan) {
  ExportPlan scan = plan;
  scan.filter = start.where.empty() ? "" : "(" + start.where + ")";
  for (const auto& value : graph.shapes[start.table].values) scan.select_list.push_back(value.sql);
  return scan.sql();
}

std::string subset_children_filter(const SubsetGraph& graph, size_t table, const std::vector<const SubsetEdge*>& edges,
                                   const std::vector<std::vector<std::vector<std::string>>>& keys) {
  std::string filter;
  for (size_t i = 0; i < edges.size(); ++i) {
    filter += (i ? " OR (" : "(") +
              scan_key_in_sql(graph, typed_columns(*graph.tables[table], edges[i]->child_columns), keys[i]);
    if (!edges[i]->when.empty()) filter += " AND (" + edges[i]->when + ")";
    filter += ")";
  }
  return edges.empty() ? "false" : filter;
}

std::string subset_whole_rows_sql(const SubsetGraph& graph, size_t table, const ExportPlan& plan,
                                  const std::vector<const SubsetEdge*>& edges,
                                  const std::vector<std::vector<std::vector<std::string>>>& keys) {
  ExportPlan scan = plan;
  scan.filter = subset_children_filter(graph, table, edges, keys);
  for (const auto& value : graph.shapes[table].values) scan.select_list.push_back(value.sql);
  return scan.sql();
}

std::vector<bool> read_by_filter(const SubsetGraph& graph) {
  std::vector<bool> out = read_in_one_scan(graph);
  std::vector<size_t> edges_from(graph.tables.size(), 0);
  for (const auto& edge : graph.edges) ++edges_from[edge.child];
  for (size_t t = 0; t < out.size(); ++t) out[t] = out[t] && edges_from[t] == 1;
  return out;
}

std::string subset_parents_sql(const SubsetGraph& graph, const SubsetEdge& edge) {
  const Table& parent = *graph.tables[edge.parent];
  if (recursive_edge(edge))
    return recursive_sql(graph, edge, bound_tuple_in_sql(typed_columns(parent, edge.parent_columns)),
                         edge.parent_columns, edge.child_values, true);
  return "SELECT " + values_list(graph.shapes[edge.parent]) + " FROM " + table_source_sql(parent) + " WHERE " +
         bound_tuple_in_sql(typed_columns(parent, edge.parent_columns));
}

}  // namespace pgtote
