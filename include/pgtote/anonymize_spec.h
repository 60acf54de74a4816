// How an export anonymizes (pgtote.yml `anonymize:`): a salt, rules by column glob, columns kept.
// Plain data: the config module fills it, the anonymizer reads it.
#pragma once

#include <string>
#include <vector>

namespace pgtote {

// One transform. `kind`: "null", "value" (`value` holds it), "hash", "email", "name",
// "first_name", "last_name", "phone", "address", "text", "json" (`json_paths`), "sql" (`value`
// holds an SQL expression evaluated on the source), "keep".
struct AnonymizeTransform {
  std::string kind;
  std::string value;
};

struct AnonymizeJsonPath {
  std::string path;  // "$.card.last4"
  AnonymizeTransform transform;
};

struct AnonymizeRule {
  std::string pattern;  // "schema.table.column" glob; the first matching rule wins
  AnonymizeTransform transform;
  std::vector<AnonymizeJsonPath> json_paths;  // for kind "json"
};

struct AnonymizeSpec {
  std::string salt;  // never written anywhere
  bool strict = false;
  std::vector<std::string> keep;  // "schema.table.column" globs left as they are
  std::vector<AnonymizeRule> rules;
  bool empty() const { return rules.empty(); }
};

}  // namespace pgtote
