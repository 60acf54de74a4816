// Match rules from the config and the command line, and the checks that make a business key safe
// to match on: unique and NOT NULL in the target, so a snapshot row finds at most one target row.
#include "pgtote/match_keys.h"

#include <algorithm>
#include <set>

#include "pgtote/error.h"

namespace pgtote {

namespace {

std::string trimmed(const std::string& text) {
  size_t first = text.find_first_not_of(" \t");
  if (first == std::string::npos) return "";
  return text.substr(first, text.find_last_not_of(" \t") - first + 1);
}

}  // namespace

std::string MatchRule::describe() const { return fresh ? "new" : columns.size() == 1 ? columns[0] : key_text(columns); }

MatchRule make_match_rule(const std::string& table, const std::vector<std::string>& columns, bool fresh,
                          const std::string& where) {
  MatchRule rule;
  size_t dot = table.find('.');
  rule.schema = dot == std::string::npos ? "public" : table.substr(0, dot);
  rule.table = dot == std::string::npos ? table : table.substr(dot + 1);
  if (rule.schema.empty() || rule.table.empty() || rule.table.find('.') != std::string::npos)
    throw Error(ExitCode::usage, where + ": '" + table + "' is not schema.table");
  rule.fresh = fresh;
  if (fresh) return rule;
  if (columns.empty())
    throw Error(ExitCode::usage, where + ": " + table + " needs its business key's columns ([email]) or new");
  std::set<std::string> seen;
  for (const auto& column : columns) {
    if (column.empty()) throw Error(ExitCode::usage, where + ": " + table + ": an empty column name");
    if (!seen.insert(column).second)
      throw Error(ExitCode::usage, where + ": " + table + ": column " + column + " is named twice");
  }
  rule.columns = columns;
  return rule;
}

MatchRule parse_match_flag(const std::string& text) {
  size_t equals = text.find('=');
  if (equals == std::string::npos)
    throw Error(ExitCode::usage, "--match " + text + ": expected TABLE=COLUMN[,COLUMN] or TABLE=new");
  std::string table = trimmed(text.substr(0, equals)), rest = text.substr(equals + 1);
  if (trimmed(rest) == "new") return make_match_rule(table, {}, true, "--match " + text);
  std::vector<std::string> columns;
  for (size_t start = 0;;) {
    size_t comma = rest.find(',', start);
    columns.push_back(trimmed(rest.substr(start, comma == std::string::npos ? std::string::npos : comma - start)));
    if (comma == std::string::npos) break;
    start = comma + 1;
  }
  return make_match_rule(table, columns, false, "--match " + text);
}

std::vector<std::string> rejoin_match_flags(const std::vector<std::string>& pieces) {
  std::vector<std::string> out;
  for (const auto& piece : pieces) {
    if (piece.find('=') == std::string::npos && !out.empty())
      out.back() += "," + piece;
    else
      out.push_back(piece);
  }
  return out;
}

std::vector<MatchRule> merge_match_rules(const std::vector<MatchRule>& from_config,
                                         const std::vector<MatchRule>& from_flags) {
  std::vector<MatchRule> out;
  auto same = [](const MatchRule& a, const MatchRule& b) { return a.schema == b.schema && a.table == b.table; };
  for (const auto& rule : from_config)
    if (std::none_of(from_flags.begin(), from_flags.end(), [&](const MatchRule& f) { return same(f, rule); }))
      out.push_back(rule);
  for (const auto& rule : from_flags) {
    auto repeated = std::find_if(out.begin(), out.end(), [&](const MatchRule& r) { return same(r, rule); });
    if (repeated != out.end())
      *repeated = rule;  // the last --match for a table wins
    else
      out.push_back(rule);
  }
  return out;
}

const Table* find_match_table(const MatchRule& rule, const std::vector<Table>& target_tables) {
  for (const auto& t : target_tables)
    if (t.schema == rule.schema && t.name == rule.table) return &t;
  return nullptr;
}

MatchShape check_match_rule(const MatchRule& rule, const Table& target) {
  std::string where = "match " + rule.qualified_name() + " on " + rule.describe();
  MatchShape shape;
  for (const auto& column : rule.columns) {
    const Column* c = target.find_column(column);
    if (!c) throw Error(ExitCode::usage, where + ": the target table has no column " + column);
    if (!c->not_null)
      throw Error(ExitCode::drift, where + ": column " + column +
                                       " may be NULL in the target, and a business key must be NOT NULL (add NOT "
                                       "NULL to it, or match on other columns)");
  }
  if (!rule.fresh) {
    std::set<std::string> wanted(rule.columns.begin(), rule.columns.end());
    auto same_columns = [&](const std::vector<std::string>& columns) {
      return std::set<std::string>(columns.begin(), columns.end()) == wanted && columns.size() == wanted.size();
    };
    if (same_columns(target.primary_key) && !target.primary_key_without_overlaps) shape.unique_source = "primary key";
    for (const auto& unique : target.unique_keys)
      if (shape.unique_source.empty() && !unique.without_overlaps && same_columns(unique.columns))
        shape.unique_source = (unique.constraint ? "unique key " : "unique index ") + unique.name;
    if (shape.unique_source.empty())
      throw Error(ExitCode::drift,
                  where + ": the target has no unique key or unique index on exactly " + key_text(rule.columns) +
                      ", so one snapshot row could match several target rows (add one: CREATE UNIQUE INDEX ON " +
                      rule.qualified_name() + " " + key_text(rule.columns) + ")");
  }
  // The rows keep the target's primary key: it is remapped unless the match key holds it whole.
  // A table without a primary key matches on the business key alone: there is no id to remap.
  if (!rule.fresh && target.primary_key.empty()) return shape;
  bool key_holds_primary = !target.primary_key.empty() && !rule.fresh &&
                           std::all_of(target.primary_key.begin(), target.primary_key.end(), [&](const std::string& c) {
                             return std::find(rule.columns.begin(), rule.columns.end(), c) != rule.columns.end();
                           });
  if (key_holds_primary) return shape;
  if (target.primary_key.size() != 1)
    throw Error(
        ExitCode::drift,
        where + ": " +
            (target.primary_key.empty() ? std::string("the target table has no primary key")
                                        : "its primary key " + key_text(target.primary_key) + " has several columns") +
            "; pgtote gives new rows fresh ids for a one-column primary key only (or match on a key "
            "that holds the whole primary key)");
  shape.id_column = target.primary_key.front();
  return shape;
}

}  // namespace pgtote
