// Copying between id spaces: a table with a match rule gets a map (snapshot id -> target id) from
// its business key, the persistent mapping and fresh ids; every column that references a remapped
// table (declared, self, cycle, composite or virtual foreign key) is rewritten in its stage before
// the checks and the writes, which then run as for any import. Set-based: a few statements per
// table and per referencing column, never one per row.
#pragma once

#include <map>
#include <optional>
#include <set>
#include <string>
#include <utility>
#include <vector>

#include "pgtote/id_sources.h"
#include "pgtote/import_session.h"
#include "pgtote/match_keys.h"
#include "pgtote/source_identity.h"

namespace pgtote {

class IdRemap {
 public:
  // Checks every rule against the target's catalog (read already), before any row is staged.
  // Throws Error(usage) for tables or columns the target lacks, Error(drift) for keys it does not
  // make unique and NOT NULL.
  explicit IdRemap(ImportSession& session);

  // A first import: whether the table, its target table empty, may be copied straight in; then
  // whether the copy kept the ids the rule gives (else the importer stages it). direct_remap.h.
  bool allows_direct_copy(const TablePlan& plan) const;
  bool keeps_direct_copy(const TablePlan& plan);

  // After staging: matches rows, builds the maps, rewrites the stages; counts go to
  // session.result.identity, references no map knows to session.result.problems. A table copied
  // directly gets its map from its target table (every row new, under its own id). `source` picks
  // the persistent mapping's entries (match_map.h); a mapping table of an earlier pgtote is
  // upgraded in the import's transaction. Returns notes for the user.
  std::vector<std::string> remap(const SourceIdentity& source);
  // After the writes, in the import's transaction: records every map in the persistent mapping.
  void record();

 private:
  struct Remapped {
    size_t plan = 0;
    const MatchRule* rule = nullptr;
    std::string id;         // the remapped primary key column
    std::string id_type;    // its type in the target
    std::string map;        // its temporary map table
    bool direct = false;    // copied straight into its empty target table: every row kept its id
    bool identity = false;  // every row keeps its snapshot id: references to it stay as they are
  };
  using Source = IdSource;

  void use_match_key(TablePlan& plan, const MatchRule& rule);
  void rewrite(const ColumnRef& column);
  void rewrite_with(const ColumnRef& column, const Source& source, bool checked = false);
  void rewrite_stage(size_t plan, const std::vector<ColumnRef>& columns);
  void check_mapped(const ColumnRef& column, const Source& source);
  void fill_map(const Remapped& r, std::string& shown);
  void build_map(Remapped& r);
  void check_matched_once(const Remapped& r);
  std::string fresh_ids(const Remapped& r, std::vector<std::optional<std::string>>& params, std::string& shown);
  std::vector<std::string> prepare_mapping();
  void analyze_match_map();
  void record_in_key_order();
  // The map as a FROM item (snapshot_id, target_id, how): its table, or a direct copy's target.
  std::string map_of(const Remapped& r) const;
  const std::pair<const MatchRule*, MatchShape>* rule_of(const TablePlan& plan) const;

  ImportSession& session_;
  std::vector<std::pair<const MatchRule*, MatchShape>> rules_;  // those whose table is in the target
  std::vector<Remapped> remapped_;                              // in snapshot order
  std::map<ColumnRef, std::vector<Source>> sources_;            // the maps that apply to a column
  std::set<ColumnRef> rewritten_;
  bool map_exists_ = false;
  SourceIdentity source_;
};

}  // namespace pgtote
