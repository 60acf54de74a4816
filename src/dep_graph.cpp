// Tarjan's strongly connected components, then Kahn's algorithm on the condensed graph with a
// name-ordered queue. Linear in tables plus foreign keys.
#include "pgtote/dep_graph.h"

#include <algorithm>
#include <functional>
#include <map>
#include <queue>

namespace pgtote {

namespace {

struct Tarjan {
  const std::vector<std::vector<size_t>>& parents;
  std::vector<int> index, low;
  std::vector<bool> on_stack;
  std::vector<size_t> stack;
  std::vector<std::vector<size_t>> components;
  int counter = 0;

  explicit Tarjan(const std::vector<std::vector<size_t>>& p)
      : parents(p), index(p.size(), -1), low(p.size(), 0), on_stack(p.size(), false) {}

  // Iterative, so a long chain of tables cannot overflow the call stack.
  void visit(size_t root) {
    std::vector<std::pair<size_t, size_t>> frames{{root, 0}};
    index[root] = low[root] = counter++;
    stack.push_back(root);
    on_stack[root] = true;
    while (!frames.empty()) {
      auto& [node, next] = frames.back();
      if (next < parents[node].size()) {
        size_t parent = parents[node][next++];
        if (index[parent] < 0) {
          index[parent] = low[parent] = counter++;
          stack.push_back(parent);
          on_stack[parent] = true;
          frames.push_back({parent, 0});
        } else if (on_stack[parent]) {
          low[node] = std::min(low[node], index[parent]);
        }
        continue;
      }
      if (low[node] == index[node]) {
        std::vector<size_t> component;
        size_t member;
        do {
          member = stack.back();
          stack.pop_back();
          on_stack[member] = false;
          component.push_back(member);
        } while (member != node);
        components.push_back(std::move(component));
      }
      size_t finished = node;
      frames.pop_back();
      if (!frames.empty()) low[frames.back().first] = std::min(low[frames.back().first], low[finished]);
    }
  }
};

}  // namespace

TableOrder dependency_order(const std::vector<std::string>& names,
                            const std::vector<std::pair<size_t, size_t>>& edges) {
  size_t n = names.size();
  std::vector<std::vector<size_t>> parents(n);
  std::vector<bool> self_reference(n, false);
  for (auto [child, parent] : edges) {
    if (child == parent)
      self_reference[child] = true;
    else
      parents[child].push_back(parent);
  }
  Tarjan tarjan(parents);
  for (size_t i = 0; i < n; ++i)
    if (tarjan.index[i] < 0) tarjan.visit(i);

  auto by_name = [&](size_t a, size_t b) { return names[a] < names[b] || (names[a] == names[b] && a < b); };
  auto& components = tarjan.components;
  std::vector<size_t> component_of(n);
  for (size_t c = 0; c < components.size(); ++c) {
    std::sort(components[c].begin(), components[c].end(), by_name);
    for (size_t member : components[c]) component_of[member] = c;
  }

  // Condensed graph: component -> components that depend on it; count unmet parents.
  std::vector<std::vector<size_t>> children(components.size());
  std::vector<size_t> waiting(components.size(), 0);
  for (size_t child = 0; child < n; ++child)
    for (size_t parent : parents[child]) {
      size_t cc = component_of[child], pc = component_of[parent];
      if (cc == pc) continue;
      children[pc].push_back(cc);
      ++waiting[cc];
    }

  // Ready components come out by the name of their first member.
  auto later = [&](size_t a, size_t b) { return by_name(components[b].front(), components[a].front()); };
  std::priority_queue<size_t, std::vector<size_t>, decltype(later)> ready(later);
  for (size_t c = 0; c < components.size(); ++c)
    if (waiting[c] == 0) ready.push(c);

  TableOrder result;
  while (!ready.empty()) {
    size_t c = ready.top();
    ready.pop();
    const auto& members = components[c];
    result.order.insert(result.order.end(), members.begin(), members.end());
    if (members.size() > 1 || self_reference[members.front()]) result.components.push_back(members);
    for (size_t child : children[c])
      if (--waiting[child] == 0) ready.push(child);
  }
  return result;
}

std::string order_key(const Table& table) { return table.schema + '\0' + table.name; }

std::vector<std::pair<size_t, size_t>> foreign_key_edges(const std::vector<Table>& tables) {
  std::map<std::pair<std::string, std::string>, size_t> position;
  for (size_t i = 0; i < tables.size(); ++i) position[{tables[i].schema, tables[i].name}] = i;
  std::vector<std::pair<size_t, size_t>> edges;
  for (size_t i = 0; i < tables.size(); ++i)
    for (const auto& fk : tables[i].foreign_keys) {
      auto parent = position.find({fk.ref_schema, fk.ref_table});
      if (parent != position.end()) edges.push_back({i, parent->second});
    }
  return edges;
}

}  // namespace pgtote
