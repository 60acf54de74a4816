// pgtote.yml: a project's settings in one file (what the flags say, plus the `subset:` and
// `anonymize:` sections that have no flags), so a team runs the same export every time.
#pragma once

#include <optional>
#include <string>
#include <vector>

#include "pgtote/anonymize_spec.h"
#include "pgtote/env_expansion.h"
#include "pgtote/match_keys.h"
#include "pgtote/subset_spec.h"

namespace pgtote {

inline constexpr const char* default_config_file = "pgtote.yml";

// Each setting is empty when the file does not give it; a flag given on the command line wins.
struct Config {
  std::string path;                                        // the file read; empty when there was none
  std::optional<std::string> source;                       // may hold a password: never print it
  std::optional<std::string> target;                       // likewise
  std::optional<std::vector<std::string>> tables;          // -t
  std::optional<std::vector<std::string>> exclude_tables;  // -T
  std::optional<std::vector<std::string>> schemas;         // -n
  std::optional<bool> skip_audit;                          // --skip-audit
  std::optional<std::vector<std::string>> audit_patterns;  // --audit-pattern
  std::optional<bool> include_migration_tables;            // --include-migration-tables
  std::optional<int> jobs;                                 // -j
  SubsetSpec subset;
  AnonymizeSpec anonymize;
  std::vector<MatchRule> match;                 // `match:` (import): business keys, or new
  std::optional<std::string> match_map_schema;  // where the import keeps its id mapping
};

// Parses a config file's text. `name` starts every message ("pgtote.yml:12: ..."); `lookup`
// expands ${VAR} in values (never in keys). Throws Error(usage) naming the line and the key for
// YAML syntax, unknown or repeated keys, wrong types, and variables that are not set.
Config parse_config(const std::string& text, const std::string& name, const VariableLookup& lookup);

// The file named by --config (`flag`; Error(file) when it cannot be read), else `dir`/pgtote.yml
// when it exists, else an empty Config. Variables come from the environment, then `dir`/.env.
Config load_config(const std::optional<std::string>& flag, const std::string& dir = ".");

}  // namespace pgtote
