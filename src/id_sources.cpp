// The columns an id remap rewrites; see id_sources.h.
#include "pgtote/id_sources.h"

#include <algorithm>

namespace pgtote {

namespace {

// "schema.table(a, b)" of a virtual foreign key: table and columns.
bool parse_reference(const std::string& text, std::string& schema, std::string& table,
                     std::vector<std::string>& columns) {
  size_t open = text.find('('), dot = text.find('.');
  if (open == std::string::npos || dot == std::string::npos || dot > open || text.back() != ')') return false;
  schema = text.substr(0, dot);
  table = text.substr(dot + 1, open - dot - 1);
  std::string inside = text.substr(open + 1, text.size() - open - 2);
  columns.clear();
  for (size_t start = 0;;) {
    size_t comma = inside.find(',', start);
    std::string c = inside.substr(start, comma == std::string::npos ? std::string::npos : comma - start);
    c.erase(0, c.find_first_not_of(' '));
    c.erase(c.find_last_not_of(' ') + 1);
    columns.push_back(c);
    if (comma == std::string::npos) break;
    start = comma + 1;
  }
  return true;
}

// A table this import writes, staged or copied directly (a direct one's map is read from its
// target table), or null.
const TablePlan* written_plan(const ImportSession& session, const std::string& schema, const std::string& name) {
  auto it = session.plan_by_name.find({schema, name});
  if (it == session.plan_by_name.end() || session.plans[it->second].skipped) return nullptr;
  return &session.plans[it->second];
}

}  // namespace

std::vector<IdEdge> reference_edges(const ImportSession& session, const std::vector<VirtualForeignKey>& virtual_keys) {
  std::vector<IdEdge> edges;
  for (size_t c = 0; c < session.plans.size(); ++c) {
    const TablePlan& child = session.plans[c];
    if (child.skipped || child.direct) continue;
    for (const auto& fk : child.target->foreign_keys) {
      const TablePlan* parent = written_plan(session, fk.ref_schema, fk.ref_table);
      if (!parent) continue;
      for (size_t i = 0; i < fk.columns.size() && i < fk.ref_columns.size(); ++i)
        if (writes_all(child, {fk.columns[i]}))
          edges.push_back({c, fk.columns[i], parent->position, fk.ref_columns[i], ""});
    }
  }
  for (const auto& key : virtual_keys) {
    std::string from_schema, from_table, to_schema, to_table;
    std::vector<std::string> from_columns, to_columns;
    if (!parse_reference(key.from, from_schema, from_table, from_columns) ||
        !parse_reference(key.to, to_schema, to_table, to_columns) || from_columns.size() != to_columns.size())
      continue;  // the config reader refused malformed ones already
    const TablePlan* child = session.staged_plan(from_schema, from_table);
    const TablePlan* parent = written_plan(session, to_schema, to_table);
    if (!child || !parent) continue;
    for (size_t i = 0; i < from_columns.size(); ++i)
      if (writes_all(*child, {from_columns[i]}))
        edges.push_back({child->position, from_columns[i], parent->position, to_columns[i], key.when});
  }
  return edges;
}

bool has_virtual_reference(const TablePlan& plan, const std::vector<VirtualForeignKey>& virtual_keys) {
  for (const auto& key : virtual_keys) {
    std::string schema, table;
    std::vector<std::string> columns;
    if (parse_reference(key.from, schema, table, columns) && schema == plan.snapshot.schema &&
        table == plan.snapshot.name)
      return true;
  }
  return false;
}

std::map<ColumnRef, std::vector<IdSource>> find_id_sources(const std::vector<ColumnRef>& remapped_ids,
                                                           const std::vector<IdEdge>& edges,
                                                           std::vector<IdEdge>* unfollowed) {
  std::map<ColumnRef, std::vector<IdSource>> sources;
  for (size_t r = 0; r < remapped_ids.size(); ++r) sources[remapped_ids[r]].push_back({r, ""});
  for (bool changed = true; changed;) {
    changed = false;
    for (const auto& e : edges) {
      ColumnRef from{e.child, e.column}, to{e.parent, e.parent_column};
      auto parent = sources.find(to);
      if (from == to || parent == sources.end()) continue;
      std::vector<IdSource> found;
      for (const auto& p : parent->second) {
        if (!p.when.empty() && !e.when.empty()) {  // two conditions: not followed
          bool known = unfollowed && std::any_of(unfollowed->begin(), unfollowed->end(), [&](const IdEdge& u) {
                         return u.child == e.child && u.column == e.column && u.parent == e.parent &&
                                u.parent_column == e.parent_column && u.when == e.when;
                       });
          if (unfollowed && !known) unfollowed->push_back(e);
          continue;
        }
        found.push_back({p.remapped, e.when.empty() ? p.when : e.when});
      }
      for (auto& s : found) {
        auto& child = sources[from];
        bool known = std::any_of(child.begin(), child.end(),
                                 [&](const IdSource& c) { return c.remapped == s.remapped && c.when == s.when; });
        if (known) continue;
        child.push_back(std::move(s));
        changed = true;
      }
    }
  }
  return sources;
}

}  // namespace pgtote
