// Which tables match snapshot rows to target rows on a business key instead of the primary key
// (pgtote.yml `match:`, --match), and what that asks of the target's schema. Pure: no server.
#pragma once

#include <optional>
#include <string>
#include <vector>

#include "pgtote/schema_model.h"

namespace pgtote {

struct MatchRule {
  std::string schema;  // "public" when the rule names the table alone
  std::string table;
  std::vector<std::string> columns;  // the business key; empty when `fresh`
  bool fresh = false;                // `new`: every row is a new one, unless the mapping knows it

  std::string qualified_name() const { return schema + "." + table; }
  std::string describe() const;  // "email", "(organization_id, user_id)", "new"
};

// "public.users=email,org_id", "users=email", "public.posts=new" (--match). Throws Error(usage).
MatchRule parse_match_flag(const std::string& text);
// A table name as the config and --match give it ("schema.table", or "table" for public) and its
// columns (or `new`); `where` starts messages. Throws Error(usage).
MatchRule make_match_rule(const std::string& table, const std::vector<std::string>& columns, bool fresh,
                          const std::string& where);
// The file's rules, then the flags': a flag's rule replaces the file's rule for the same table.
std::vector<MatchRule> merge_match_rules(const std::vector<MatchRule>& from_config,
                                         const std::vector<MatchRule>& from_flags);
// cxxopts splits a repeated flag's values at commas: glues "users=a", "b" back into "users=a,b".
std::vector<std::string> rejoin_match_flags(const std::vector<std::string>& pieces);

// How one rule applies to its target table.
struct MatchShape {
  // The primary key column whose values are remapped (snapshot id -> target id); empty when the
  // primary key is made of the match key's columns (or there is none): rows match on the key alone.
  std::string id_column;
  // The unique key or index found on exactly the rule's columns ("unique key users_email_key").
  std::string unique_source;
};

// The rule's table, or null when the target has none (Error(usage) is for the caller to throw).
const Table* find_match_table(const MatchRule& rule, const std::vector<Table>& target_tables);
// Checks a rule against its target table: its columns exist, are NOT NULL and carry a unique key
// or index on exactly them; a remapped primary key is one column. Throws Error(usage) for names the
// target lacks and Error(drift) for a key the target's schema does not make unique.
MatchShape check_match_rule(const MatchRule& rule, const Table& target);

}  // namespace pgtote
