// Dependency order on hand-made graphs: cycles, self-references, diamonds, stable ties.
#include "pgtote/dep_graph.h"

#include <doctest/doctest.h>

using namespace pgtote;

namespace {
std::vector<std::string> ordered(const std::vector<std::string>& names, const TableOrder& order) {
  std::vector<std::string> out;
  for (size_t i : order.order) out.push_back(names[i]);
  return out;
}
}  // namespace

TEST_CASE("parents come before children, ties by name") {
  // edges are {child, parent}
  std::vector<std::string> names = {"ledger", "wallet", "account", "profile"};
  auto order = dependency_order(names, {{0, 1}, {0, 3}, {1, 2}, {3, 2}});
  CHECK(ordered(names, order) == std::vector<std::string>{"account", "profile", "wallet", "ledger"});
  CHECK(order.components.empty());
}

TEST_CASE("independent tables are ordered by name whatever their input order") {
  std::vector<std::string> a = {"c", "a", "b"};
  CHECK(ordered(a, dependency_order(a, {})) == std::vector<std::string>{"a", "b", "c"});
}

TEST_CASE("a self-reference is a component of one") {
  std::vector<std::string> names = {"employee", "dept"};
  auto order = dependency_order(names, {{0, 0}, {0, 1}});
  CHECK(ordered(names, order) == std::vector<std::string>{"dept", "employee"});
  REQUIRE(order.components.size() == 1);
  CHECK(order.components[0] == std::vector<size_t>{0});
}

TEST_CASE("two- and three-table cycles are kept together, after their parents") {
  std::vector<std::string> names = {"store", "staff", "c", "a", "b", "root", "leaf"};
  auto order = dependency_order(names, {
                                           {0, 1},
                                           {1, 0},  // store <-> staff
                                           {3, 2},
                                           {4, 3},
                                           {2, 4},  // a -> c -> b -> a
                                           {3, 5},  // a needs root
                                           {6, 0},
                                           {6, 4},  // leaf needs both cycles
                                       });
  CHECK(ordered(names, order) == std::vector<std::string>{"root", "a", "b", "c", "staff", "store", "leaf"});
  REQUIRE(order.components.size() == 2);
  CHECK(order.components[0] == std::vector<size_t>{3, 4, 2});
  CHECK(order.components[1] == std::vector<size_t>{1, 0});
}

TEST_CASE("a long chain does not overflow the stack") {
  size_t n = 200000;
  std::vector<std::string> names;
  std::vector<std::pair<size_t, size_t>> edges;
  for (size_t i = 0; i < n; ++i) {
    names.push_back("t" + std::to_string(n - i));
    if (i) edges.push_back({i, i - 1});
  }
  auto order = dependency_order(names, edges);
  REQUIRE(order.order.size() == n);
  CHECK(order.order.front() == 0);
  CHECK(order.order.back() == n - 1);
}
