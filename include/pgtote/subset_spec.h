// What a subset export reads (pgtote.yml `subset:`): start rows, which downward edges to follow,
// which nullable references to cut, and relations the schema does not declare. Plain data: the
// config module fills it, the subset planner reads it.
#pragma once

#include <cstdint>
#include <map>
#include <optional>
#include <string>
#include <vector>

namespace pgtote {

struct SubsetStart {
  std::string table;  // "schema.name"
  std::string where;  // SQL condition on the table's columns (from the user's own config)
  std::optional<uint64_t> limit;
  std::string order_by;  // SQL order for `limit`; empty: the table's key
};

// A downward edge: "schema.table" (every foreign key of that child) or "schema.table(col, ...)"
// (one foreign key, named by its columns; a self-reference is followed downward only this way).
struct SubsetChildRule {
  std::string edge;
  bool follow = true;
  std::optional<uint64_t> limit_per_parent;
};

// A relation the schema does not declare: from "schema.table(col, ...)" to "schema.table(col, ...)",
// when the SQL condition on the `from` row holds (polymorphic columns).
struct VirtualForeignKey {
  std::string from;
  std::string to;
  std::string when;
};

struct SubsetSpec {
  std::vector<SubsetStart> start;
  std::vector<SubsetChildRule> children;
  // "schema.table(col, ...)" of a nullable foreign key -> "null_outside": exported as NULL when
  // its parent is not otherwise in the subset.
  std::map<std::string, std::string> parents;
  std::vector<VirtualForeignKey> virtual_foreign_keys;
  bool empty() const { return start.empty(); }
};

}  // namespace pgtote
