// Foreign-key dependency order: parents before children, cycles kept together as strongly
// connected components, ties broken by name so the order is the same on every run.
#pragma once

#include <string>
#include <utility>
#include <vector>

#include "pgtote/schema_model.h"

namespace pgtote {

// `names[i]` names node i (used only to break ties); each edge is {child, parent}: the child
// holds a foreign key to the parent. Self-edges mark self-references.
TableOrder dependency_order(const std::vector<std::string>& names, const std::vector<std::pair<size_t, size_t>>& edges);

// Builds the edges from the tables' foreign keys, ignoring parents outside `tables`.
std::vector<std::pair<size_t, size_t>> foreign_key_edges(const std::vector<Table>& tables);

// Sort key of a table for tie-breaking: schema, then name, compared bytewise.
std::string order_key(const Table& table);

}  // namespace pgtote
