// A subset spec resolved against the exported tables, before any row is read: the start tables and
// every edge (declared and virtual foreign keys) with how the closure follows it, plus the SQL that
// reads each step's rows. Names that match nothing are usage errors. Pure: tested without a server.
#pragma once

#include <cstdint>
#include <optional>
#include <string>
#include <vector>

#include "pgtote/export_plan.h"
#include "pgtote/schema_model.h"
#include "pgtote/subset_spec.h"

namespace pgtote {

// One reference from a child table to a parent table.
struct SubsetEdge {
  size_t child = 0, parent = 0;  // positions in SubsetGraph::tables
  std::vector<std::string> child_columns, parent_columns;
  std::string label;        // "public.Comment(parentId) -> public.Comment(id)", for messages and reasons
  std::string foreign_key;  // the constraint's name; empty for a virtual foreign key
  std::string when;         // virtual: SQL condition on the child row; empty: always
  bool in_cycle = false;    // child and parent are one table, or in one foreign-key cycle
  bool follow_down = true;  // children of included parents are pulled in through it
  std::optional<uint64_t> limit_per_parent;
  bool null_outside = false;  // not followed upward; exported as NULL when the parent is not in the subset
  // Positions of the edge's columns among the values fetched for child and parent rows.
  std::vector<size_t> child_values, parent_values;
  std::optional<size_t> when_value;  // position of the `when` flag among the child's values
};

struct SubsetStartRows {
  size_t table = 0;
  std::string where;
  std::optional<uint64_t> limit;
  std::string order_by;
};

// What the closure reads and keeps of a table's rows: its identity first, then the columns its
// edges use, then one `when` flag per virtual edge leaving it. Keys only, never whole rows.
struct SubsetTableShape {
  std::vector<TypedExpression> values;
  size_t identity_size = 0;
};

struct SubsetGraph {
  std::vector<const Table*> tables;  // the exported tables, in dependency order
  std::vector<SubsetTableShape> shapes;
  std::vector<SubsetStartRows> start;
  std::vector<SubsetEdge> edges;
  // The server hashes `x = ANY(array)` (PostgreSQL 14+): a scan matching one-column keys uses it,
  // which the planner can run in parallel, where `x IN (SELECT unnest(...))` ORed with another
  // edge's becomes a hashed subplan on one process. Older servers compare with each element.
  bool hashed_arrays = false;
};

// Throws Error(usage) naming the first name that matches no exported table, column or foreign key.
SubsetGraph resolve_subset(const SubsetSpec& spec, const std::vector<const Table*>& tables, bool hashed_arrays = false);

// SELECT of a start table's values: WHERE <where> ORDER BY <order_by or stable key> LIMIT <limit>.
std::string subset_start_sql(const SubsetGraph& graph, const SubsetStartRows& start);
// A declared self-reference (without limit_per_parent) is walked to its end in one recursive query,
// in both directions; other edges take one step per query.
bool recursive_edge(const SubsetEdge& edge);
// SELECT of the child's values whose edge columns match the parent values bound as text arrays
// ($1 per edge column), the `when` condition holding; at most limit_per_parent rows per parent.
std::string subset_children_sql(const SubsetGraph& graph, const SubsetEdge& edge);
// The edge's child rows are found by reading the whole child table (no index leads with the edge's
// columns) in one step: such edges into one table are best looked up together, in one scan.
bool scanned_edge(const SubsetGraph& graph, const SubsetEdge& edge);
// SELECT of the child's values matching any of `edges` (all into one child table, none recursive or
// limited per parent): the parent values of each edge bound as text arrays, one per edge column,
// numbered on from $1 in the order of `edges`.
std::string subset_children_sql(const SubsetGraph& graph, const std::vector<const SubsetEdge*>& edges);
// Per table: no edge leads up to it, no start row is in it, no null_outside reference leaves it,
// and rows reach it going down only through scanned edges. Its rows are then all found by one
// scan, once every other table's rows are, so that scan returns whole rows and the export does
// not read the table again.
std::vector<bool> read_in_one_scan(const SubsetGraph& graph);
// Per table: read_in_one_scan, and its one reference is the edge it is reached by. Its rows are
// then the rows whose reference holds a key of its parent's rows found going down, and they lead
// to no row not in already: the export reads them with that filter, in its own turn (the closure
// does not).
std::vector<bool> read_by_filter(const SubsetGraph& graph);
// `(edge columns) match keys[i] [AND (when)]` for each of `edges` (into `table`), ORed, keys
// inlined: "false" without edges.
std::string subset_children_filter(const SubsetGraph& graph, size_t table, const std::vector<const SubsetEdge*>& edges,
                                   const std::vector<std::vector<std::vector<std::string>>>& keys);
// SELECT of `plan`'s select list then the start table's subset values, for the start rows (which
// have no limit) in the plan's order.
std::string subset_start_whole_rows_sql(const SubsetGraph& graph, const SubsetStartRows& start, const ExportPlan& plan);
// SELECT of `plan`'s select list then the table's subset values (its SubsetTableShape), in the
// plan's order, for the rows matching any of `edges` (into the plan's table, as scanned_edge) with
// the parent keys `keys[i]` of edges[i] inlined as literals: for COPY, which binds no parameters.
std::string subset_whole_rows_sql(const SubsetGraph& graph, size_t table, const ExportPlan& plan,
                                  const std::vector<const SubsetEdge*>& edges,
                                  const std::vector<std::vector<std::vector<std::string>>>& keys);
// SELECT of the parent's values whose referenced columns match the child values bound as text
// arrays ($1 per edge column).
std::string subset_parents_sql(const SubsetGraph& graph, const SubsetEdge& edge);

}  // namespace pgtote
