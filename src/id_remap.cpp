// Remapping ids for tables with match rules; see id_remap.h. Every identifier comes from the
// target's catalog and is quoted; the source's identity and the sequences go as bound parameters.
#include "pgtote/id_remap.h"

#include <algorithm>
#include <map>
#include <set>

#include "pgtote/direct_remap.h"
#include "pgtote/error.h"
#include "pgtote/fresh_ids.h"
#include "pgtote/match_map.h"
#include "pgtote/sql_quote.h"

namespace pgtote {

namespace {

constexpr int example_limit = 5;
constexpr int shown_ids = 5;

std::string stage_of(const TablePlan& plan) { return "pg_temp." + quote_ident(plan.stage); }
std::string col(const std::string& alias, const std::string& column) { return alias + "." + quote_ident(column); }

// "5, 6, 7, ..." from a result of up to shown_ids + 1 ids.
std::string listed_ids(const Result& ids) {
  std::string out;
  for (int i = 0; i < ids.rows() && i < shown_ids; ++i) out += (i ? ", " : "") + ids.text(i, 0);
  if (ids.rows() > shown_ids) out += ", ...";
  return out;
}

}  // namespace

IdRemap::IdRemap(ImportSession& session) : session_(session) {
  for (const auto& rule : session_.options.match) {
    const Table* target = find_match_table(rule, session_.target_tables);
    if (!target)
      throw Error(ExitCode::usage, "match " + rule.qualified_name() +
                                       ": the target database has no such table (match: in the config, or --match)");
    rules_.push_back({&rule, check_match_rule(rule, *target)});
  }
}

// A key that holds the whole primary key (or a table without one): rows match on the rule's
// columns, whose references are rewritten first like every other reference.
void IdRemap::use_match_key(TablePlan& plan, const MatchRule& rule) {
  if (plan.target->primary_key.empty()) plan.key = rule.columns;
  plan.key_source = "match key " + key_text(rule.columns);
  for (auto& column : plan.columns)
    column.in_key = std::find(plan.key.begin(), plan.key.end(), column.name) != plan.key.end();
}

std::string IdRemap::map_of(const Remapped& r) const {
  if (!r.direct) return "pg_temp." + quote_ident(r.map);
  const TablePlan& plan = session_.plans[r.plan];
  return "(SELECT " + col("t", r.id) + " AS snapshot_id, " + col("t", r.id) +
         " AS target_id, 'new'::text AS how FROM " + table_ref(*plan.target) + " t)";
}

const std::pair<const MatchRule*, MatchShape>* IdRemap::rule_of(const TablePlan& plan) const {
  for (const auto& rule : rules_)
    if (rule.first->schema == plan.snapshot.schema && rule.first->table == plan.snapshot.name) return &rule;
  return nullptr;
}

bool IdRemap::allows_direct_copy(const TablePlan& plan) const {
  const auto* rule = rule_of(plan);
  return pgtote::allows_direct_copy(session_, plan, rule ? rule->first : nullptr, rule ? &rule->second : nullptr);
}

bool IdRemap::keeps_direct_copy(const TablePlan& plan) {
  const auto* rule = rule_of(plan);
  return direct_copy_keeps_ids(session_.connection, plan, rule ? &rule->second : nullptr);
}

// The mapping is joined to the stages and the target tables. Without statistics (filled by the
// import before, autovacuum not by yet) a table's entries are planned as a few rows, and the join
// probes a target index once per entry: analyzed here when autovacuum would (never analyzed, or a
// tenth changed since), if this role owns it; a statement in the import's own transaction.
void IdRemap::analyze_match_map() {
  std::string table = match_map_table(session_.options.match_map_schema);
  // $1: the table. Result: whether to analyze it.
  Result r = session_.connection.exec(
      "SELECT pg_catalog.pg_has_role(c.relowner, 'USAGE') AND (NOT EXISTS (SELECT 1 FROM pg_catalog.pg_stats s "
      "WHERE s.schemaname = n.nspname AND s.tablename = c.relname) OR pg_catalog.pg_stat_get_mod_since_analyze(c.oid) "
      "> 50 + 0.1 * GREATEST(c.reltuples, 0)) FROM pg_catalog.pg_class c JOIN pg_catalog.pg_namespace n "
      "ON n.oid = c.relnamespace WHERE c.oid = $1::pg_catalog.regclass",
      {table});
  if (r.rows() == 1 && r.boolean(0, 0)) session_.connection.exec("ANALYZE " + table);
}

// Rewrites one column of a stage with its source's map. A reference no map knows names a row the
// snapshot does not hold: its value means another row in the target's id space, so it blocks.
void IdRemap::rewrite(const ColumnRef& column) {
  if (!rewritten_.insert(column).second) return;
  for (const auto& source : sources_.at(column)) rewrite_with(column, source);
}

// Rows whose reference in `column` no map knows (under `how`'s condition): they name a row the
// snapshot does not hold, whose id means another row in the target's id space, so they block.
void IdRemap::check_mapped(const ColumnRef& column, const Source& how) {
  const TablePlan& plan = session_.plans[column.first];
  const Remapped& source = remapped_[how.remapped];
  if (column.first == source.plan && column.second == source.id) return;  // every row has its map entry
  std::string c = col("s", column.second), map = map_of(source);
  std::string condition = how.when.empty() ? "" : " AND (" + how.when + ")";
  std::string row = plan.rows_by_position ? "0" : col("s", plan.row_column);
  // The condition is the config's SQL: sent with no parameters, still as one statement only.
  Result r = session_.connection.exec("SELECT count(*) OVER (), " + row + ", " + c + "::text FROM " + stage_of(plan) +
                                          " s WHERE " + c + " IS NOT NULL" + condition +
                                          " AND NOT EXISTS (SELECT 1 FROM " + map + " m WHERE m.snapshot_id = " + c +
                                          ") ORDER BY 2 LIMIT " + std::to_string(example_limit),
                                      std::vector<std::optional<std::string>>{});
  if (r.rows() == 0) return;
  const std::string parent = session_.plans[source.plan].snapshot.qualified_name();
  std::vector<std::string> examples;
  for (int i = 0; i < r.rows(); ++i)
    examples.push_back("row " + r.text(i, 1) + ": " + column.second + "=" + r.text(i, 2) + " names a row of " + parent +
                       " the snapshot does not hold, and ids of " + parent + " are remapped (export the parent too)");
  uint64_t n = static_cast<uint64_t>(r.number(0, 0));
  session_.result.problems.push_back({plan.snapshot.qualified_name(), "unmapped reference", n, true, "", examples});
  session_.stats[column.first].errors += n;
}

void IdRemap::rewrite_with(const ColumnRef& column, const Source& how, bool checked) {
  if (!checked) check_mapped(column, how);
  if (remapped_[how.remapped].identity) return;  // every id stays: nothing to write
  const TablePlan& plan = session_.plans[column.first];
  std::string c = col("s", column.second), map = map_of(remapped_[how.remapped]);
  if (how.when.empty()) {
    session_.connection.exec("UPDATE " + stage_of(plan) + " s SET " + quote_ident(column.second) +
                             " = m.target_id FROM " + map + " m WHERE m.snapshot_id = " + c +
                             " AND m.target_id IS NOT NULL");
    return;
  }
  // The condition names the row's columns unqualified: no other table in its scope.
  session_.connection.exec("UPDATE " + stage_of(plan) + " s SET " + quote_ident(column.second) +
                               " = (SELECT m.target_id FROM " + map + " m WHERE m.snapshot_id = " + c + ") WHERE " + c +
                               " IN (SELECT m.snapshot_id FROM " + map + " m WHERE m.target_id IS NOT NULL) AND (" +
                               how.when + ")",
                           std::vector<std::optional<std::string>>{});
}

// Every column of one stage that one map rewrites, unconditionally, in one pass: the stage is
// written once, however many references it holds (a join per map).
void IdRemap::rewrite_stage(size_t plan_index, const std::vector<ColumnRef>& columns) {
  const TablePlan& plan = session_.plans[plan_index];
  std::vector<std::pair<ColumnRef, const Remapped*>> simple;
  for (const auto& column : columns) {
    const auto& sources = sources_.at(column);
    if (sources.empty()) continue;
    if (sources.size() == 1 && sources[0].when.empty() && rewritten_.insert(column).second) {
      check_mapped(column, sources[0]);
      // A map that keeps every id changes nothing: the stage is not made again for it.
      if (!remapped_[sources[0].remapped].identity) simple.push_back({column, &remapped_[sources[0].remapped]});
    } else {
      rewrite(column);
    }
  }
  if (simple.empty()) return;
  if (simple.size() == 1) {  // a plain join does it
    rewrite_with(simple[0].first, sources_.at(simple[0].first)[0], true);
    return;
  }
  if (plan.rows_by_position) {  // its rows are known by ctid: they stay where they are
    for (const auto& entry : simple) rewrite_with(entry.first, sources_.at(entry.first)[0], true);
    return;
  }
  // The stage made again with its references rewritten (one write of each row, where an UPDATE
  // writes a new version and leaves the old one), then put in the old one's place.
  std::string list = col("s", plan.row_column), joins;
  for (const auto& written : plan.columns) {
    auto it = std::find_if(simple.begin(), simple.end(), [&](const auto& c) { return c.first.second == written.name; });
    if (it == simple.end()) {
      list += ", " + col("s", written.name);
      continue;
    }
    std::string m = "m" + std::to_string(it - simple.begin());
    // Cast back to the column's type: COALESCE takes the map's (bigint for an integer reference,
    // the base type for a domain), and the stage must keep the target's types to compare rows.
    const Column* target_column = plan.target->find_column(written.name);
    std::string value = "COALESCE(" + m + ".target_id, " + col("s", written.name) + ")";
    if (target_column) value = "CAST(" + value + " AS " + target_column->type + ")";
    list += ", " + value + " AS " + quote_ident(written.name);
    joins += " LEFT JOIN " + map_of(*it->second) + " " + m + " ON " + m + ".snapshot_id = " + col("s", written.name);
  }
  for (size_t n = 0; n < converted_columns(plan).size(); ++n) list += ", " + col("s", raw_column(plan, n));
  std::string rewritten = plan.stage + "_rewritten";
  session_.connection.exec("CREATE TEMPORARY TABLE " + quote_ident(rewritten) + " AS SELECT " + list + " FROM " +
                           stage_of(plan) + " s" + joins);
  session_.connection.exec("DROP TABLE " + stage_of(plan));
  session_.connection.exec("ALTER TABLE pg_temp." + quote_ident(rewritten) + " RENAME TO " + quote_ident(plan.stage));
}

// The fresh ids of the rows nothing matched, in snapshot id order: the column's sequence's next
// values, computed from its state without drawing from it (the import and its dry run alike: a
// refused or interrupted import leaves the sequence as it was, and the sequence is moved past the
// ids, with the others, just before the commit), else its default, else the snapshot's own id
// when the target does not use it. `shown` says which, for the report.
std::string IdRemap::fresh_ids(const Remapped& r, std::vector<std::optional<std::string>>& params, std::string& shown) {
  const TablePlan& plan = session_.plans[r.plan];
  const Column& id = *plan.target->find_column(r.id);
  std::string x = col("x", "id"), cast = "::" + r.id_type;
  if (draws_from_sequence(id)) {
    shown = "ids";
    params = sequence_start(session_.connection, *id.sequence);
    return sequence_ids(x, r.id_type);
  }
  if (id.default_expr) {
    shown = id.default_expr->find("nextval(") != std::string::npos ? "from sequence" : "from the column's default";
    return "(" + *id.default_expr + ")" + cast;
  }
  shown = "ids";
  std::string target = table_ref(*plan.target);
  return "CASE WHEN NOT EXISTS (SELECT 1 FROM " + target + " t WHERE " + col("t", r.id) + " = " + x +
         ") AND NOT EXISTS (SELECT 1 FROM pg_temp." + quote_ident(r.map) + " m WHERE m.target_id = " + x + ") THEN " +
         x + " END";
}

// Snapshot rows with one business key would all become the one target row that has it (the key is
// unique in the target, not always in the source): refused, naming them, before their ids repeat
// in the stage (where the key check could only count them).
void IdRemap::check_matched_once(const Remapped& r) {
  const TablePlan& plan = session_.plans[r.plan];
  std::string key;
  for (const auto& c : r.rule->columns)
    key += (key.empty() ? "" : " || ', ' || ") + quote_literal(c + "=") + " || coalesce(" + col("t", c) +
           "::text, 'NULL')";
  Result twice = session_.connection.exec(
      "SELECT count(*) OVER (), m.target_id::text, string_agg(m.snapshot_id::text, ', ' ORDER BY m.snapshot_id), "
      "min(" +
      key + ") FROM pg_temp." + quote_ident(r.map) + " m JOIN " + table_ref(*plan.target) + " t ON " + col("t", r.id) +
      " = m.target_id WHERE m.how = 'key' GROUP BY m.target_id HAVING count(*) > 1 ORDER BY m.target_id LIMIT " +
      std::to_string(example_limit));
  if (twice.rows() == 0) return;
  std::string rows;
  for (int i = 0; i < twice.rows(); ++i)
    rows += "; snapshot rows " + r.id + " " + twice.text(i, 2) + " all match target row " + r.id + " " +
            twice.text(i, 1) + " (" + twice.text(i, 3) + ")";
  throw Error(ExitCode::bad_snapshot, "match " + r.rule->qualified_name() + " on " + r.rule->describe() + ": " +
                                          twice.text(0, 0) + " target row(s) would each take several snapshot rows" +
                                          rows + "; a target row can be only one of them: make " + r.rule->describe() +
                                          " unique in the source (fix or merge those rows), or match on more columns");
}

// snapshot id -> target id: by business key, then by the persistent mapping (a row an earlier
// import of this source inserted, still in the target and not taken), then fresh. A step is left
// out once every staged row has its entry (a re-import matches every row by key or mapping).
void IdRemap::fill_map(const Remapped& r, std::string& shown) {
  const TablePlan& plan = session_.plans[r.plan];
  Connection& connection = session_.connection;
  std::string stage = stage_of(plan), target = table_ref(*plan.target), map = "pg_temp." + quote_ident(r.map);
  std::string sid = col("s", r.id), tid = col("t", r.id);
  connection.exec("CREATE TEMPORARY TABLE " + map + " AS SELECT " + sid + " AS snapshot_id, " + sid +
                  " AS target_id, ''::text AS how FROM " + stage + " s WITH NO DATA");
  uint64_t mapped = 0;
  auto all_mapped = [&] {
    return mapped > 0 &&
           connection.exec("SELECT count(*) FROM " + stage).number(0, 0) <= static_cast<long long>(mapped);
  };
  if (!r.rule->fresh) {
    std::string on;
    for (const auto& c : r.rule->columns) on += (on.empty() ? "" : " AND ") + col("t", c) + " = " + col("s", c);
    mapped += connection
                  .exec("INSERT INTO " + map + " SELECT " + sid + ", " + tid + ", 'key' FROM " + stage + " s JOIN " +
                        target + " t ON " + on)
                  .affected_rows();
    check_matched_once(r);
  }
  if (all_mapped()) return;
  if (map_exists_) {
    std::vector<std::optional<std::string>> params{plan.target->qualified_name()};
    std::string source = match_map_source_condition(source_, "mm", params);
    mapped += connection
                  .exec("INSERT INTO " + map + " SELECT " + sid + ", " + tid + ", 'mapping' FROM " + stage +
                            " s JOIN " + match_map_table(session_.options.match_map_schema) + " mm ON " + source +
                            " AND mm.table_name = $1 AND mm.snapshot_key = " + sid + "::text JOIN " + target +
                            " t ON " + tid + " = mm.target_key::" + r.id_type + " WHERE NOT EXISTS (SELECT 1 FROM " +
                            map + " m WHERE m.snapshot_id = " + sid + ") AND NOT EXISTS (SELECT 1 FROM " + map +
                            " m WHERE m.target_id = " + tid + ")",
                        params)
                  .affected_rows();
  }
  if (all_mapped()) return;
  std::vector<std::optional<std::string>> params;
  std::string fresh = fresh_ids(r, params, shown);
  // The rows in order, numbered by the subquery, so ids are drawn in snapshot id order.
  connection.exec("INSERT INTO " + map + " SELECT x.id, " + fresh + ", 'new' FROM (SELECT " + sid + " AS id FROM " +
                      stage + " s WHERE NOT EXISTS (SELECT 1 FROM " + map + " m WHERE m.snapshot_id = " + sid +
                      ") ORDER BY 1 OFFSET 0) x",
                  params);
}

// The map and what the report says of it: counts, the first fresh ids, moved ids, rows with no id.
void IdRemap::build_map(Remapped& r) {
  const TablePlan& plan = session_.plans[r.plan];
  Connection& connection = session_.connection;
  std::string map = "pg_temp." + quote_ident(r.map);
  TableIdentity identity;
  identity.table = plan.snapshot.qualified_name();
  identity.match = r.rule->describe();
  if (r.direct) {
    // Its target table was empty and holds the snapshot's rows now, each new under its own id:
    // the map is read from it (map_of).
    std::string tid = col("t", r.id);
    identity.fresh = session_.stats[r.plan].inserted;
    if (identity.fresh > 0)
      identity.fresh_ids =
          listed_ids(connection.exec("SELECT " + tid + "::text FROM " + table_ref(*plan.target) + " t ORDER BY " + tid +
                                     " LIMIT " + std::to_string(shown_ids + 1)));
    session_.result.identity.push_back(std::move(identity));
    return;
  }
  std::string shown = "ids";
  fill_map(r, shown);
  Result counts = connection.exec(
      "SELECT count(*) FILTER (WHERE how = 'key'), count(*) FILTER (WHERE how = "
      "'mapping'), count(*) FILTER (WHERE how = 'new'), count(*) FILTER (WHERE target_id IS DISTINCT FROM "
      "snapshot_id), count(*) FILTER (WHERE target_id IS NULL) FROM " +
      map);
  identity.by_key = static_cast<uint64_t>(counts.number(0, 0));
  identity.by_mapping = static_cast<uint64_t>(counts.number(0, 1));
  identity.fresh = static_cast<uint64_t>(counts.number(0, 2));
  r.identity = counts.number(0, 3) == 0;
  connection.exec("ANALYZE " + map);  // the checks and rewrites join it: a merge join would sort both
  if (shown == "ids" && identity.fresh > 0) {
    identity.fresh_ids = listed_ids(connection.exec("SELECT target_id::text FROM " + map +
                                                    " WHERE how = 'new' AND target_id IS NOT NULL ORDER BY "
                                                    "snapshot_id LIMIT " +
                                                    std::to_string(shown_ids + 1)));
  } else if (identity.fresh > 0) {
    identity.fresh_ids = shown;
  }
  if (session_.options.show_diff > 0) {
    Result moved = connection.exec("SELECT snapshot_id::text, target_id::text FROM " + map +
                                   " WHERE target_id IS DISTINCT FROM snapshot_id ORDER BY snapshot_id LIMIT " +
                                   std::to_string(session_.options.show_diff));
    for (int i = 0; i < moved.rows(); ++i)
      identity.remapped.push_back(r.id + " " + moved.text(i, 0) + " -> " +
                                  (moved.is_null(i, 1) ? "(none)" : moved.text(i, 1)));
  }
  if (counts.number(0, 4) > 0) {
    Result stuck = connection.exec("SELECT string_agg(snapshot_id::text, ', ' ORDER BY snapshot_id) FROM " + map +
                                   " WHERE target_id IS NULL");
    uint64_t n = static_cast<uint64_t>(counts.number(0, 4));
    session_.result.problems.push_back({identity.table,
                                        "no free id",
                                        n,
                                        true,
                                        "",
                                        {r.id + " has no default and the target already uses the snapshot's ids " +
                                         stuck.text(0, 0) + " (give the column a default or identity)"}});
    session_.stats[r.plan].errors += n;
  }
  session_.result.identity.push_back(std::move(identity));
}

// The persistent mapping, before it is read: a table of an earlier pgtote gets the identity's
// columns; entries recorded for this source's name without an identity block an identified
// source, which cannot know whether they are its own (the user claims or forgets them).
std::vector<std::string> IdRemap::prepare_mapping() {
  std::vector<std::string> notes;
  Connection& connection = session_.connection;
  const std::string& schema = session_.options.match_map_schema;
  if (uint64_t n = upgrade_match_map(connection, schema))
    notes.push_back(match_map_table(schema) + " was made by an earlier pgtote, keyed by the source database's name " +
                    "alone: this import adds the source identity's columns in its transaction" +
                    (session_.options.dry_run ? " (the dry run rolls that back)" : "") + ", and its " +
                    std::to_string(n) + (n == 1 ? " entry becomes an entry" : " entries become entries") +
                    " of a source known by name only");
  if (!source_.identified()) return notes;
  std::set<std::string> tables;
  for (const auto& r : remapped_) tables.insert(session_.plans[r.plan].target->qualified_name());
  uint64_t count = 0;
  for (const auto& [table, n] : name_only_entries(connection, schema, source_.database))
    if (tables.count(table)) count += n;
  if (count == 0) return notes;
  session_.result.problems.push_back(
      {match_map_table(schema),
       "name-only mapping row",
       count,
       true,
       "",
       {"entries recorded for a source named \"" + source_.database +
        "\" without its identity (by an earlier pgtote, or from a snapshot without one); this snapshot's source is " +
        source_.describe() + ". If they came from this database, claim them: " + claim_name_only_sql(schema, source_) +
        "; if not, forget them: " + forget_name_only_sql(schema, source_.database) + "; then import again"}});
  return notes;
}

std::vector<std::string> IdRemap::remap(const SourceIdentity& source) {
  source_ = source;
  for (const auto& [rule, shape] : rules_) {
    auto found = session_.plan_by_name.find({rule->schema, rule->table});
    if (found == session_.plan_by_name.end() || session_.plans[found->second].skipped) continue;  // not imported
    TablePlan& plan = session_.plans[found->second];
    std::vector<std::string> needed = rule->columns;
    if (!shape.id_column.empty()) needed.push_back(shape.id_column);
    for (const auto& c : needed)
      if (!writes_all(plan, {c}))
        throw Error(ExitCode::drift, "match " + rule->qualified_name() + " on " + rule->describe() +
                                         ": the snapshot's table has no column " + c);
    if (shape.id_column.empty()) {
      if (!plan.direct) use_match_key(plan, *rule);
      continue;
    }
    Remapped r;
    r.plan = plan.position;
    r.direct = r.identity = plan.direct;
    r.rule = rule;
    r.id = shape.id_column;
    r.id_type = plan.target->find_column(r.id)->type;
    r.map = plan.stage + "_map";
    plan.key_source = "primary key, remapped by match on " + rule->describe();
    remapped_.push_back(r);
  }
  std::sort(remapped_.begin(), remapped_.end(), [](const Remapped& a, const Remapped& b) { return a.plan < b.plan; });
  std::vector<ColumnRef> ids;
  for (const auto& r : remapped_) ids.push_back({r.plan, r.id});
  std::vector<IdEdge> unfollowed;
  sources_ = find_id_sources(ids, reference_edges(session_, session_.options.virtual_foreign_keys), &unfollowed);
  if (!unfollowed.empty()) {  // its values would keep the snapshot's ids, naming other rows
    const IdEdge& e = unfollowed.front();
    throw Error(ExitCode::usage,
                "virtual foreign key " + session_.plans[e.child].snapshot.qualified_name() + "(" + e.column + ") -> " +
                    session_.plans[e.parent].snapshot.qualified_name() + "(" + e.parent_column + ") when " + e.when +
                    ": its parent column is itself a reference only under a condition (a virtual key with when), so "
                    "which remapped table a value names is not known from this row; declare the virtual keys from " +
                    session_.plans[e.child].snapshot.qualified_name() + "(" + e.column +
                    ") straight to the remapped tables, each with a when on this table's columns");
  }
  // Stages and maps are fresh temporary tables: without statistics the joins below are planned
  // blind. A small sample (3,000 rows, where the default takes 30,000) plans them as well, at a
  // fraction of the cost; only the columns the joins use: a wide stage's other columns (jsonb,
  // text) cost most to sample. The setting is put back when the maps are made.
  std::string statistics_target = session_.connection.exec("SHOW default_statistics_target").text(0, 0);
  session_.connection.exec("SET LOCAL default_statistics_target = 10");
  map_exists_ = !remapped_.empty() && match_map_exists(session_.connection, session_.options.match_map_schema);
  std::vector<std::string> notes;
  if (map_exists_) {
    notes = prepare_mapping();  // upgrades an earlier pgtote's table first
    analyze_match_map();
  }
  std::map<size_t, std::set<std::string>> involved;
  for (const auto& [column, sources] : sources_) involved[column.first].insert(column.second);
  for (const auto& r : remapped_)
    for (const auto& c : r.rule->columns) involved[r.plan].insert(c);
  for (const auto& [plan, columns] : involved) {
    if (session_.plans[plan].direct) continue;  // no stage
    std::string list;
    for (const auto& c : columns) list += (list.empty() ? "" : ", ") + quote_ident(c);
    session_.connection.exec("ANALYZE " + stage_of(session_.plans[plan]) + " (" + list + ")");
  }
  // Parents first: a business key made of references is rewritten before the table is matched.
  for (size_t i = 0; i < remapped_.size(); ++i) {
    for (const auto& c : remapped_[i].rule->columns) {
      if (remapped_[i].direct) break;  // nothing to match: its rows are in, under their own ids
      auto sources = sources_.find({remapped_[i].plan, c});
      if (sources == sources_.end()) continue;
      for (const auto& source : sources->second)
        if (source.remapped >= i)
          throw Error(ExitCode::usage, "match " + remapped_[i].rule->qualified_name() + " on " +
                                           remapped_[i].rule->describe() + ": column " + c + " refers to " +
                                           session_.plans[remapped_[source.remapped].plan].snapshot.qualified_name() +
                                           ", whose ids are matched after it (a cycle): match on other columns");
      rewrite(sources->first);
    }
    build_map(remapped_[i]);
  }
  session_.connection.exec("SELECT pg_catalog.set_config('default_statistics_target', $1, true)", {statistics_target});
  std::map<size_t, std::vector<ColumnRef>> by_stage;
  for (const auto& [column, sources] : sources_)
    if (!rewritten_.count(column) && !session_.plans[column.first].direct) by_stage[column.first].push_back(column);
  for (const auto& [plan, columns] : by_stage) rewrite_stage(plan, columns);
  return notes;
}

// Every entry, written in the order of the mapping's key: tables by name in the database's
// collation, each one's keys in byte order (which collations mostly agree with for ids: digits,
// hex, prefixes). The key, built after, then reads sorted rows: one pass instead of a sort that
// compares every key with the collation dozens of times (where the orders differ, it sorts).
void IdRemap::record_in_key_order() {
  Connection& connection = session_.connection;
  std::vector<std::string> names;
  for (const auto& r : remapped_) names.push_back(session_.plans[r.plan].target->qualified_name());
  // $1: the tables' names. Result: their positions in $1, in the database's order of the names.
  Result order = connection.exec(
      "SELECT n.i FROM pg_catalog.unnest($1::pg_catalog.text[]) WITH ORDINALITY n(name, i) ORDER BY n.name",
      {text_array_literal(names)});
  for (int row = 0; row < order.rows(); ++row) {
    const Remapped& r = remapped_[static_cast<size_t>(order.number(row, 0) - 1)];
    const TablePlan& plan = session_.plans[r.plan];
    // A direct copy's rows are all in the target; a staged row may have been skipped.
    std::string written = r.direct ? ""
                                   : " AND EXISTS (SELECT 1 FROM " + table_ref(*plan.target) + " t WHERE " +
                                         col("t", r.id) + " = m.target_id)";
    std::vector<std::optional<std::string>> params = match_map_source_values(source_);
    params.push_back(plan.target->qualified_name());
    connection.exec(
        "INSERT INTO " + match_map_table(session_.options.match_map_schema) + " (" + match_map_source_columns +
            ", table_name, snapshot_key, target_key) SELECT $1, $2::pg_catalog.oid, $3, $4, "
            "m.snapshot_id::text, m.target_id::text FROM " +
            map_of(r) + " m WHERE m.target_id IS NOT NULL" + written + " ORDER BY m.snapshot_id::text COLLATE \"C\"",
        params);
  }
}

void IdRemap::record() {
  if (remapped_.empty()) return;
  Connection& connection = session_.connection;
  const std::string table = match_map_table(session_.options.match_map_schema);
  ensure_match_map(connection, session_.options.match_map_schema);
  // The first import into this target: every entry is new, and the table empty.
  if (!map_exists_ &&
      fill_empty_match_map(connection, session_.options.match_map_schema, [&] { record_in_key_order(); }))
    return;
  if (source_.identified()) {  // the name is informative: an identified source's follows a rename
    std::vector<std::optional<std::string>> params{source_.database};
    connection.exec("UPDATE " + table + " mm SET source_database = $1 WHERE " +
                        match_map_source_condition(source_, "mm", params) + " AND mm.source_database <> $1",
                    params);
  }
  for (const auto& r : remapped_) {
    const TablePlan& plan = session_.plans[r.plan];
    // Only rows that are in the target now (a skipped row got no id there), and only entries that
    // are new or changed: a row matched through its entry, or one recorded as it is, is not
    // written again (not even locked, as ON CONFLICT would). $1..$3: the source, $4: the table.
    std::vector<std::optional<std::string>> params = match_map_source_values(source_);
    params.push_back(plan.target->qualified_name());
    std::string source = match_map_source_condition(source_, "e", params);
    connection.exec("INSERT INTO " + table + " AS mm (" + match_map_source_columns +
                        ", table_name, snapshot_key, target_key) SELECT $1, $2::pg_catalog.oid, $3, $4, "
                        "m.snapshot_id::text, m.target_id::text FROM " +
                        map_of(r) + " m WHERE m.how <> 'mapping' AND m.target_id IS NOT NULL AND NOT EXISTS " +
                        "(SELECT 1 FROM " + table + " e WHERE " + source +
                        " AND e.table_name = $4 AND e.snapshot_key = m.snapshot_id::text "
                        "AND e.target_key = m.target_id::text) AND EXISTS (SELECT 1 FROM " +
                        table_ref(*plan.target) + " t WHERE " + col("t", r.id) + " = m.target_id) ON CONFLICT " +
                        match_map_conflict_target(source_) +
                        " DO UPDATE SET target_key = EXCLUDED.target_key, recorded_at = pg_catalog.now() WHERE "
                        "mm.target_key <> EXCLUDED.target_key",
                    params);
  }
}

}  // namespace pgtote
