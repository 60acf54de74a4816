// The import pipeline. All work happens in one transaction: staged rows live in temporary
// tables, checks are set-based queries over them, and each table or cycle is merged by one
// statement. A dry run stops before the merges and rolls back.
#include "pgtote/importer.h"

#include <algorithm>
#include <chrono>
#include <map>
#include <optional>
#include <set>

#include "pgtote/catalog.h"
#include "pgtote/error.h"
#include "pgtote/import_plan.h"
#include "pgtote/import_session.h"
#include "pgtote/import_sql.h"
#include "pgtote/pg_conn.h"
#include "pgtote/progress.h"
#include "pgtote/resilient_merge.h"
#include "pgtote/sequence_sync.h"
#include "pgtote/sequence_watch.h"
#include "pgtote/server_refusal.h"
#include "pgtote/snapshot_reader.h"
#include "pgtote/stager.h"
#include "pgtote/table_filter.h"

namespace pgtote {

namespace {

// Same settings as export, so text forms read back exactly.
constexpr const char* session_sql =
    "SET client_encoding = 'UTF8'; SET datestyle = 'ISO, YMD'; SET intervalstyle = 'postgres'; "
    "SET timezone = 'UTC'; SET statement_timeout = 0; SET work_mem = '256MB'; SET temp_buffers = '256MB'";

struct Importer : ImportSession {
  const std::function<void(const std::string&)>& notify;
  // Sequence positions before the first write of this run (or of the attempt before it).
  std::optional<SequencePositions>& sequences_before;

  Importer(const ImportOptions& o, const std::function<void(const std::string&)>& n,
           std::optional<SequencePositions>& before)
      : ImportSession(o), notify(n), sequences_before(before) {}

  // After a rollback: name the sequences the rolled-back writes advanced anyway.
  void note_sequences_moved() {
    if (!sequences_before) return;
    for (const auto& note : sequences_moved_by_writes(connection, plans, *sequences_before)) notify(note);
  }

  void begin() {
    // A typo in --target must not write to production: remote hosts need an explicit yes.
    if (!options.dry_run && !options.allow_remote && !is_local_host(connection.host()))
      throw Error(ExitCode::usage, "refusing to write to " + connection.describe() +
                                       ": the host is not local; pass --yes or set PGTOTE_ALLOW_REMOTE=1 "
                                       "(--dry-run and diff are always allowed)");
    connection.exec(session_sql);
    if (!sequences_before) sequences_before = read_sequence_positions(connection);
    connection.exec("BEGIN");
    if (options.disable_triggers) {
      try {
        connection.exec("SET LOCAL session_replication_role = replica");
      } catch (const Error& e) {
        throw Error(ExitCode::usage,
                    "--disable-triggers: this role may not disable triggers (it needs to be a "
                    "superuser: " +
                        std::string(e.what()) + "); run without --disable-triggers");
      }
    }
    target_tables = read_catalog(connection);
  }

  // file -> plan -> stage, one table at a time as the snapshot streams by.
  std::vector<std::vector<size_t>> stage_all() {
    SnapshotReader reader(options.snapshot_path);
    if (options.require_anonymized) check_anonymized(reader.info(), options.snapshot_path);  // stdin: checked here
    std::set<size_t> cycle_members;  // tables written together with others: never copied directly
    for (const auto& component : reader.info().components)
      if (component.size() > 1) cycle_members.insert(component.begin(), component.end());
    std::set<std::pair<std::string, std::string>> snapshot_tables(reader.info().order.begin(),
                                                                  reader.info().order.end());
    Progress progress(options.progress);
    Table table;
    while (reader.next_table(table)) {
      auto started = Clock::now();
      size_t position = plans.size();
      // Drift is checked first: a table that cannot be written is not staged, but every table's
      // drift is still reported before anything is written.
      bool blocked = false;
      if (!selection_excludes(table, options.selection, true)) {
        for (auto& item : table_drift(table, target_tables, snapshot_tables, options.ignore_missing_columns)) {
          blocked = blocked || item.blocking;
          result.drift.push_back(std::move(item));
        }
      }
      if (blocked) {
        result.drift_blocks = true;
        TablePlan skipped;
        skipped.snapshot = table;
        skipped.position = position;
        skipped.skipped = true;
        skipped.skip_reason = "schema drift";
        plans.push_back(std::move(skipped));
      } else {
        plans.push_back(plan_table(table, position, target_tables, options.selection, options.ignore_missing_columns));
      }
      TablePlan& plan = plans.back();
      plan.direct = !plan.skipped && copies_directly(plan, cycle_members);
      TableImportStats s;
      s.schema = table.schema;
      s.name = table.name;
      if (plan.skipped) {
        s.skipped = reader.skip_rows();
        s.skipped_because = plan.skip_reason;
      } else {
        progress.start("staging " + table.qualified_name());
        uint64_t rows = stage_table(connection, plan, reader, options.snapshot_path);
        progress.finish(rows, 0);
        if (plan.direct)
          s.inserted = rows;
        else
          s.unchanged = rows;  // staged; split into inserted/updated/unchanged later
      }
      s.seconds = since(started);
      stats.push_back(s);
      plan_by_name[{table.schema, table.name}] = position;
    }
    return reader.info().components;
  }

  // A first import of a table: the target table is empty, it is not part of a multi-table cycle,
  // and no parent of it waits in a stage (its rows would not be there yet).
  bool copies_directly(const TablePlan& plan, const std::set<size_t>& cycle_members) {
    if (!options.direct_copy || options.dry_run || options.continue_on_error || options.snapshot_path == "-" ||
        plan.columns.empty() || cycle_members.count(plan.position) || !converted_columns(plan).empty())
      return false;
    // COPY fires triggers but not rules, and its count includes rows a trigger dropped: tables
    // with either go through the stage, where what was written is checked.
    if (!connection.exec(import_sql::row_triggers_sql, {std::to_string(plan.target->oid)}).is_null(0, 0)) return false;
    for (auto [fk, parent] : checked_foreign_keys(plan)) {
      auto it = plan_by_name.find({parent->schema, parent->name});
      bool self = parent->schema == plan.snapshot.schema && parent->name == plan.snapshot.name;
      if (!self && it != plan_by_name.end() && !plans[it->second].skipped && !plans[it->second].direct) return false;
    }
    return connection.exec(import_sql::target_is_empty(plan)).boolean(0, 0);
  }

  // The write units in order: each staged table alone, or a cycle's staged tables together.
  std::vector<std::vector<size_t>> write_groups(const std::vector<std::vector<size_t>>& components) {
    std::vector<int> component_of(plans.size(), -1);
    for (size_t c = 0; c < components.size(); ++c)
      for (size_t m : components[c])
        if (m < plans.size()) component_of[m] = static_cast<int>(c);
    std::vector<bool> done(plans.size(), false);
    std::vector<std::vector<size_t>> groups;
    for (size_t i = 0; i < plans.size(); ++i) {
      if (done[i] || plans[i].skipped || plans[i].direct) continue;
      std::vector<size_t> members{i};
      if (component_of[i] >= 0) {
        members.clear();
        for (size_t m : components[static_cast<size_t>(component_of[i])])
          if (!plans[m].skipped && !plans[m].direct) members.push_back(m);
      }
      for (size_t m : members) done[m] = true;
      groups.push_back(members);
    }
    return groups;
  }

  std::vector<const TablePlan*> group_plans(const std::vector<size_t>& members) {
    std::vector<const TablePlan*> group;
    for (size_t m : members) group.push_back(&plans[m]);
    return group;
  }

  void record_counts(const std::vector<size_t>& members, const std::vector<uint64_t>& updated,
                     const std::vector<uint64_t>& inserted, Clock::time_point started) {
    for (size_t g = 0; g < members.size(); ++g) {
      TableImportStats& s = stats[members[g]];
      uint64_t staged = s.unchanged;
      s.updated = updated[g];
      s.inserted = inserted[g];
      // A rule can write more rows than were staged (DO ALSO, an INSTEAD rule inserting several).
      s.unchanged = staged > s.updated + s.inserted ? staged - s.updated - s.inserted : 0;
      s.seconds += since(started) / static_cast<double>(members.size());
    }
  }

  // Writes one table or cycle: asks first what each table needs, then issues only those writes
  // (a table with nothing to write gets no statement: no privilege needed, no rule tripped).
  // A single table that does not reference itself is written by plain statements, updates first.
  void write_group(const std::vector<size_t>& members) {
    auto group = group_plans(members);
    auto started = Clock::now();
    bool keep = options.existing != ExistingRows::update;
    std::vector<import_sql::MergeParts> parts;
    bool any = false;
    for (const auto* plan : group) {
      Result r = connection.exec(import_sql::classify(*plan));
      import_sql::MergeParts part{!keep && r.number(0, 2) > 0, r.number(0, 1) > 0};
      any = any || part.update || part.insert;
      parts.push_back(part);
    }
    std::vector<uint64_t> updated(group.size(), 0), inserted(group.size(), 0);
    if (any && group.size() == 1 && !group.front()->self_referencing) {
      if (parts[0].update) updated[0] = connection.exec(import_sql::update_changed(*group[0])).affected_rows();
      if (parts[0].insert) inserted[0] = connection.exec(import_sql::insert_new(*group[0])).affected_rows();
    } else if (any) {
      Result r = connection.exec(import_sql::merge(group, keep, 1, 0, parts));
      for (size_t g = 0; g < members.size(); ++g) {
        updated[g] = static_cast<uint64_t>(r.number(0, static_cast<int>(2 * g)));
        inserted[g] = static_cast<uint64_t>(r.number(0, static_cast<int>(2 * g + 1)));
      }
    }
    for (size_t g = 0; g < group.size(); ++g)
      if (updated[g] + inserted[g] > 0) check_written(members[g]);
    record_counts(members, updated, inserted, started);
  }

  // A target BEFORE trigger or rule can change rows as they are written (lowercase an email,
  // stamp updated_at), drop them (return NULL) or send them elsewhere (DO INSTEAD): say so,
  // naming the triggers, rather than count such rows as written, or as unchanged next time.
  void check_written(size_t member) {
    const TablePlan& plan = plans[member];
    if (options.disable_triggers) return;
    Result triggers = connection.exec(import_sql::row_triggers_sql, {std::to_string(plan.target->oid)});
    if (triggers.is_null(0, 0)) return;
    Result r = connection.exec(import_sql::classify(plan));
    uint64_t missing = static_cast<uint64_t>(r.number(0, 1)), rewritten = static_cast<uint64_t>(r.number(0, 2));
    std::string by = "BEFORE trigger(s) and rules: " + triggers.text(0, 0);
    if (missing > 0) {
      result.problems.push_back({plan.snapshot.qualified_name(),
                                 "not written by the target",
                                 missing,
                                 false,
                                 "the target's triggers or rules kept these rows out of the table",
                                 {std::to_string(missing) + " rows are not in the table after writing; " + by}});
      stats[member].unchanged -= std::min(missing, stats[member].unchanged);
      stats[member].skipped += missing;
    }
    if (rewritten > 0)
      result.problems.push_back({plan.snapshot.qualified_name(),
                                 "rewritten by trigger",
                                 rewritten,
                                 false,
                                 "written, then changed by the target's triggers: every import writes them again",
                                 {std::to_string(rewritten) + " rows differ from the snapshot after writing; " + by}});
  }

  // Refusals --skip-conflicts skips: a unique or exclusion collision, or a parent skipped before.
  static bool skippable(const std::string& sqlstate) {
    return sqlstate == "23505" || sqlstate == "23P01" || sqlstate == "23503";
  }

  // A group the server refused on a rule the checks cannot see (a unique index with a predicate
  // or an expression, an exclusion constraint, a CHECK, RLS, a trigger): its rows are bisected
  // under savepoints so the refused ones are named by row and key. With --skip-conflicts the
  // colliding ones are skipped and the rest written; otherwise every refused row is a blocking
  // problem. Returns false when the import cannot go on.
  bool write_refused_group(const std::vector<size_t>& members, const ServerError& first_refusal,
                           const std::string& names) {
    auto started = Clock::now();
    uint64_t last_row = 0;
    for (size_t m : members) last_row = std::max(last_row, stats[m].unchanged + stats[m].skipped);
    std::vector<RejectedRow> refused;
    MergeCounts counts =
        merge_resilient(connection, group_plans(members), options.existing != ExistingRows::update, last_row, refused);
    bool blocked = false;
    std::map<std::pair<std::string, std::string>, ImportProblem> problems;  // by table and kind
    for (const auto& row : refused) {
      auto problem = refusal_problem(row.server, row.table);
      if (!problem)
        throw Error(ExitCode::database, row.table + ", row " + std::to_string(row.row) + ": " + row.error, row.server);
      bool skip = options.skip_conflicts && skippable(row.server.sqlstate);
      blocked = blocked || !skip;
      std::string key;
      for (size_t m : members) {
        if (plans[m].snapshot.qualified_name() != row.table) continue;
        key = row_key(plans[m], row.row);
        bool collision = row.server.sqlstate == "23505" || row.server.sqlstate == "23P01";
        if (!skip) {
          ++(collision ? stats[m].conflicts : stats[m].errors);
          continue;
        }
        --stats[m].unchanged;
        ++stats[m].skipped;
        ++stats[m].conflicts;
      }
      if (skip && row.server.sqlstate == "23503") problem->kind = "lost parent";
      ImportProblem& merged = problems[{row.table, problem->kind}];
      if (merged.count == 0) {
        merged = *problem;
        merged.count = 0;
        merged.examples.clear();
        merged.blocking = !skip;
        if (skip) merged.note = "skipped (--skip-conflicts)";
      }
      ++merged.count;
      if (merged.examples.size() < 5)
        merged.examples.push_back("row " + std::to_string(row.row) + key + ": " + problem->examples.front());
    }
    if (refused.empty()) {  // only the batch as a whole fails (a deferred rule at the end)
      result.problems.push_back(*refusal_problem(first_refusal, names));
      return false;
    }
    for (auto& [table_kind, problem] : problems) result.problems.push_back(std::move(problem));
    if (blocked) return false;
    record_counts(members, counts.updated, counts.inserted, started);
    return true;
  }

  // " (id=5)": a staged row's match key, for naming it.
  std::string row_key(const TablePlan& plan, uint64_t row) {
    if (plan.key.empty()) return "";
    Result r = connection.exec(import_sql::row_key(plan, row));
    if (r.rows() == 0) return "";
    std::string out;
    for (size_t k = 0; k < plan.key.size(); ++k)
      out += (k ? ", " : "") + plan.key[k] + "=" +
             (r.is_null(0, static_cast<int>(k)) ? "NULL" : r.text(0, static_cast<int>(k)));
    return " (" + out + ")";
  }

  // Every write, then every deferred constraint checked at once, before sequences move. A
  // statement the server refuses becomes named problems (the caller rolls back); the dry run
  // rehearses exactly this, so its verdict and counts are the import's.
  bool write_all(const std::vector<std::vector<size_t>>& groups) {
    Progress progress(options.progress);
    for (const auto& members : groups) {
      std::string names;
      for (size_t m : members) names += (names.empty() ? "" : ", ") + plans[m].snapshot.qualified_name();
      progress.start((options.dry_run ? "rehearsing " : "merging ") + names);
      connection.exec("SAVEPOINT pgtote_group");
      try {
        write_group(members);
        connection.exec("RELEASE SAVEPOINT pgtote_group");
        continue;
      } catch (const Error& e) {
        if (!refusal_problem(e.server(), names)) throw;
        connection.exec("ROLLBACK TO SAVEPOINT pgtote_group");
        connection.exec("RELEASE SAVEPOINT pgtote_group");
        if (!write_refused_group(members, e.server(), names)) return false;
      }
    }
    try {
      connection.exec("SET CONSTRAINTS ALL IMMEDIATE");
      return true;
    } catch (const Error& e) {
      auto problem = refusal_problem(e.server(), "the deferred constraints");
      if (!problem) throw;
      result.problems.push_back(std::move(*problem));
      return false;
    }
  }

  // Dependency level of each group: one more than the deepest group holding a parent.
  std::vector<size_t> group_levels(const std::vector<std::vector<size_t>>& groups) {
    std::vector<size_t> group_of(plans.size(), SIZE_MAX), levels(groups.size(), 0);
    for (size_t g = 0; g < groups.size(); ++g)
      for (size_t m : groups[g]) group_of[m] = g;
    for (size_t g = 0; g < groups.size(); ++g)
      for (size_t m : groups[g])
        for (auto [fk, parent] : checked_foreign_keys(plans[m])) {
          const TablePlan* parent_plan = staged_plan(parent->schema, parent->name);
          if (!parent_plan) continue;
          size_t pg = group_of[parent_plan->position];
          if (pg != g && pg < g) levels[g] = std::max(levels[g], levels[pg] + 1);
        }
    return levels;
  }

  // --continue-on-error: each dependency level in its own transaction; failing batches split.
  // In a dry run (`commit` false) the levels stay in the one transaction that is rolled back.
  void merge_level_by_level(const std::vector<std::vector<size_t>>& groups, bool commit) {
    if (commit) connection.exec("COMMIT");  // the staging transaction: temporary tables outlive it
    std::vector<size_t> levels = group_levels(groups);
    size_t deepest = levels.empty() ? 0 : *std::max_element(levels.begin(), levels.end());
    for (size_t level = 0; level <= deepest && !groups.empty(); ++level) {
      if (commit) connection.exec("BEGIN");
      for (size_t g = 0; g < groups.size(); ++g) {
        if (levels[g] != level) continue;
        auto started = Clock::now();
        uint64_t last_row = 0;
        for (size_t m : groups[g]) last_row = std::max(last_row, stats[m].unchanged + stats[m].skipped);
        size_t before = result.rejected.size();
        MergeCounts counts = merge_resilient(connection, group_plans(groups[g]),
                                             options.existing != ExistingRows::update, last_row, result.rejected);
        for (size_t r = before; r < result.rejected.size(); ++r)
          for (size_t m : groups[g])
            if (plans[m].snapshot.qualified_name() == result.rejected[r].table) {
              ++stats[m].errors;
              --stats[m].unchanged;
            }
        record_counts(groups[g], counts.updated, counts.inserted, started);
      }
      if (commit) connection.exec("COMMIT");
    }
    if (commit) connection.exec("BEGIN");
  }

  // Last, right before COMMIT: setval is not undone by a rollback. Deferred constraints are
  // checked first, so a commit that fails on them cannot leave a sequence moved.
  void bump_sequences() {
    if (!options.dry_run) connection.exec("SET CONSTRAINTS ALL IMMEDIATE");
    for (const auto& note : sync_sequences(connection, plans, options.dry_run)) notify(note);
  }

  ImportResult run() {
    auto started = Clock::now();
    begin();
    auto components = stage_all();
    check_before_writing(*this);
    bool blocked = result.drift_blocks;
    if (options.continue_on_error && !options.dry_run) {
      // The server decides row by row; the checks' findings are reported, not blocking.
      for (auto& problem : result.problems)
        if (problem.blocking) {
          problem.blocking = false;
          problem.note = "rows the server rejects go to the reject file";
        }
    }
    for (const auto& problem : result.problems) blocked = blocked || problem.blocking;
    result.dry_run = options.dry_run;
    result.ok = !blocked;
    auto groups = write_groups(components);
    if (blocked) {
      if (options.dry_run) predict_counts(*this);  // what the import would do, were it not refused
      connection.exec("ROLLBACK");
      note_sequences_moved();  // direct copies may have drawn from them
      if (!options.dry_run)
        for (auto& s : stats) s.inserted = s.updated = s.unchanged = 0;  // nothing was written, direct copies neither
    } else if (options.continue_on_error) {
      if (options.dry_run && options.show_diff > 0) show_diffs(*this);
      merge_level_by_level(groups, !options.dry_run);
      bump_sequences();  // a dry run lists what would move and moves nothing
      connection.exec(options.dry_run ? "ROLLBACK" : "COMMIT");
      if (options.dry_run) note_sequences_moved();
      result.ok = result.rejected.empty();
    } else {
      if (options.dry_run && options.show_diff > 0) show_diffs(*this);
      // The dry run rehearses the writes and rolls back: exact by construction.
      if (options.dry_run) connection.exec("SAVEPOINT pgtote_rehearsal");
      result.ok = write_all(groups);
      if (result.ok) bump_sequences();  // a dry run lists what would move and moves nothing
      if (result.ok && !options.dry_run) {
        connection.exec("COMMIT");
      } else if (options.dry_run) {
        if (!result.ok) {  // the counts of a refused rehearsal are partial: predict them instead
          connection.exec("ROLLBACK TO SAVEPOINT pgtote_rehearsal");
          predict_counts(*this);
        }
        connection.exec("ROLLBACK");
        note_sequences_moved();
      } else {
        connection.exec("ROLLBACK");
        note_sequences_moved();
        for (auto& s : stats) s.inserted = s.updated = s.unchanged = 0;
      }
    }
    for (auto& s : stats) {
      result.totals.inserted += s.inserted;
      result.totals.updated += s.updated;
      result.totals.unchanged += s.unchanged;
      result.totals.skipped += s.skipped;
      result.totals.conflicts += s.conflicts;
      result.totals.errors += s.errors;
    }
    result.totals.seconds = since(started);
    result.tables = std::move(stats);
    return result;
  }
};

}  // namespace

void check_anonymized(const SnapshotInfo& info, const std::string& path) {
  if (!info.anonymized)
    throw Error(ExitCode::rejected, "--require-anonymized: " + path +
                                        " was not anonymized (its header has no \"anonymized\" list); export it "
                                        "with anonymization rules, or import without --require-anonymized");
  if (info.anonymized_columns.empty())
    throw Error(ExitCode::rejected, "--require-anonymized: " + path +
                                        " was exported with anonymization rules, but they transformed no column");
}

ImportResult run_import(const ImportOptions& options, const std::function<void(const std::string&)>& notify) {
  // Before the target is touched. Standard input can be read only once: it is checked as staging
  // opens it, before any row is read.
  if (options.require_anonymized && options.snapshot_path != "-")
    check_anonymized(SnapshotReader(options.snapshot_path).info(), options.snapshot_path);
  std::optional<SequencePositions> sequences_before;
  if (options.direct_copy) {
    try {
      Importer importer(options, notify, sequences_before);
      return importer.run();
    } catch (const Error& e) {
      if (e.code() != ExitCode::database) throw;
      // A direct copy failed (or the merge did): nothing was kept. Start over with stages, so
      // the checks report every problem by name before any write.
    }
  }
  ImportOptions staged = options;
  staged.direct_copy = false;
  Importer importer(staged, notify, sequences_before);
  return importer.run();
}

}  // namespace pgtote
