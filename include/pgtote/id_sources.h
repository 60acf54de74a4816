// Which staged columns hold ids of remapped tables: a remapped table's primary key, then every
// column a foreign key (declared, or virtual from the config) points from at such a column, to a
// fixed point, so composite keys and keys made of references are followed column by column.
#pragma once

#include <map>
#include <string>
#include <utility>
#include <vector>

#include "pgtote/import_session.h"
#include "pgtote/subset_spec.h"

namespace pgtote {

using ColumnRef = std::pair<size_t, std::string>;  // a plan (index into session.plans), a column

// child.column references parent.parent_column (one column of a foreign key); `when`, a virtual
// key's SQL condition on the child row (polymorphic columns), empty for declared keys.
struct IdEdge {
  size_t child = 0;
  std::string column;
  size_t parent = 0;
  std::string parent_column;
  std::string when;
};

struct IdSource {
  size_t remapped = 0;  // index into the remapped ids given to find_id_sources: whose map applies
  std::string when;     // the condition under which it applies; empty: always
};

// Every column of the staged plans that one foreign key column points from at another written
// plan's column (staged, or copied directly): declared keys of the target's tables, then
// `virtual_keys`.
std::vector<IdEdge> reference_edges(const ImportSession& session, const std::vector<VirtualForeignKey>& virtual_keys);

// Whether a virtual foreign key of the config starts at the plan's table.
bool has_virtual_reference(const TablePlan& plan, const std::vector<VirtualForeignKey>& virtual_keys);

// The maps that rewrite each column, given the remapped tables' id columns in order. A column
// reached under two conditions (a virtual key with `when` onto a column that only a virtual key
// with `when` makes a reference) is not followed: the parent's condition is on the parent's row,
// which a value of a polymorphic column does not name. Such edges go to `unfollowed`, when given,
// for the caller to refuse. Pure.
std::map<ColumnRef, std::vector<IdSource>> find_id_sources(const std::vector<ColumnRef>& remapped_ids,
                                                           const std::vector<IdEdge>& edges,
                                                           std::vector<IdEdge>* unfollowed = nullptr);

}  // namespace pgtote
