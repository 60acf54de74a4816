// The persistent id mapping an import with match rules keeps in the target: for each source
// database and table, snapshot key -> target key, so a re-import finds the rows it inserted before.
// It lives in <schema>.match_map (schema "pgtote" unless match_map_schema: says otherwise) and is
// written in the import's own transaction: it never disagrees with the data.
#pragma once

#include <functional>
#include <string>
#include <vector>

#include "pgtote/pg_conn.h"

namespace pgtote {

// "schema"."match_map"
std::string match_map_table(const std::string& schema);
// Whether the table exists (it is created on the first import that records a mapping).
bool match_map_exists(Connection& connection, const std::string& schema);
// CREATE SCHEMA IF NOT EXISTS, CREATE TABLE IF NOT EXISTS: in the caller's transaction.
void ensure_match_map(Connection& connection, const std::string& schema);
// Runs `write` (plain INSERTs: no entry is there to conflict with) on the empty table with its
// primary key dropped, then builds the key again: one sort, where entries written into the key
// cost an index insertion each (a first import's every row). The key comes back as it was (its
// definition read from the catalog). Returns false, having run nothing, when the table holds
// entries, another role owns it or the server refuses the drop: the caller writes as usual.
bool fill_empty_match_map(Connection& connection, const std::string& schema, const std::function<void()>& write);

struct MatchMapEntry {
  std::string source_database;
  std::string table;  // schema.name in the target
  std::string snapshot_key;
  std::string target_key;
  std::string recorded_at;
};
// Every entry, by source, table, then key (numbers in numeric order). Empty when there is no table.
std::vector<MatchMapEntry> read_match_map(Connection& connection, const std::string& schema);

}  // namespace pgtote
