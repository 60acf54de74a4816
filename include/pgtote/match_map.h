// The persistent id mapping an import with match rules keeps in the target: for each source
// (source_identity.h) and table, snapshot key -> target key, so a re-import finds the rows it
// inserted before. It lives in <schema>.match_map (schema "pgtote" unless match_map_schema: says
// otherwise) and is written in the import's own transaction: it never disagrees with the data.
// Entries of an identified source are keyed by its system identifier and database oid; entries of
// a source known by name only (an older snapshot, or one whose role could not read the system
// identifier) have an empty system identifier and are keyed by the name.
#pragma once

#include <cstdint>
#include <functional>
#include <optional>
#include <string>
#include <utility>
#include <vector>

#include "pgtote/pg_conn.h"
#include "pgtote/source_identity.h"

namespace pgtote {

// "schema"."match_map"
std::string match_map_table(const std::string& schema);
// Whether the table exists (it is created on the first import that records a mapping).
bool match_map_exists(Connection& connection, const std::string& schema);
// CREATE SCHEMA IF NOT EXISTS, CREATE TABLE IF NOT EXISTS, or upgrade_match_map: in the caller's
// transaction.
void ensure_match_map(Connection& connection, const std::string& schema);
// A table made by an earlier pgtote, keyed by the source's name alone (no source_system_identifier
// column), gets the identity columns and keys, in the caller's transaction; its entries become
// name-only ones. Returns the number of entries so upgraded (0 also for a current table, or none). Throws
// Error(database) with what to do when the role may not alter it.
uint64_t upgrade_match_map(Connection& connection, const std::string& schema);

// The entries of `source` in the mapping aliased `alias`, as an SQL condition whose values are
// appended to `params` (its $n follow the ones already there): by identity when the source has
// one, else by name among the name-only entries.
std::string match_map_source_condition(const SourceIdentity& source, const std::string& alias,
                                       std::vector<std::optional<std::string>>& params);
// The values an entry of `source` is written with, in the order of match_map_source_columns:
// system identifier ("" when unknown), database oid ("0" when unknown), name.
std::vector<std::optional<std::string>> match_map_source_values(const SourceIdentity& source);
inline constexpr const char* match_map_source_columns =
    "source_system_identifier, source_database_oid, source_database";
// ON CONFLICT's target for an entry of `source`: the unique index its kind of entries is keyed by.
std::string match_map_conflict_target(const SourceIdentity& source);

// Name-only entries recorded for `database` (a source named so, without identity), per table.
std::vector<std::pair<std::string, uint64_t>> name_only_entries(Connection& connection, const std::string& schema,
                                                                const std::string& database);
// The statements that give those entries to `source` (claim) or remove them (forget), for a message.
std::string claim_name_only_sql(const std::string& schema, const SourceIdentity& source);
std::string forget_name_only_sql(const std::string& schema, const std::string& database);
// Runs `write` (plain INSERTs: no entry is there to conflict with) on the empty table with its
// keys (unique indexes) dropped, then builds them again: one sort each, where entries written into
// the keys cost index insertions each (a first import's every row). Returns false, having run nothing, when the table
// holds entries, another role owns it or the server refuses the drop: the caller writes as usual.
bool fill_empty_match_map(Connection& connection, const std::string& schema, const std::function<void()>& write);

struct MatchMapEntry {
  std::string source_system_identifier;  // "" for a name-only entry
  std::string source_database_oid;       // "0" when unknown
  std::string source_database;
  std::string table;  // schema.name in the target
  std::string snapshot_key;
  std::string target_key;
  std::string recorded_at;
};
// Every entry, by source, table, then key (numbers in numeric order). Empty when there is no table.
// A table of an earlier pgtote is read as it is (its entries name-only), not upgraded.
std::vector<MatchMapEntry> read_match_map(Connection& connection, const std::string& schema);

}  // namespace pgtote
