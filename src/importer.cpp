// The import pipeline. All work happens in one transaction: staged rows live in temporary
// tables, checks are set-based queries over them, and each table or cycle is merged by one
// statement. A dry run stops before the merges and rolls back.
#include "pgtote/importer.h"

#include <algorithm>
#include <chrono>
#include <map>
#include <memory>
#include <optional>
#include <set>

#include "pgtote/catalog.h"
#include "pgtote/delete_missing.h"
#include "pgtote/error.h"
#include "pgtote/id_remap.h"
#include "pgtote/identity_changes.h"
#include "pgtote/import_plan.h"
#include "pgtote/import_session.h"
#include "pgtote/import_sql.h"
#include "pgtote/import_writer.h"
#include "pgtote/key_deferral.h"
#include "pgtote/pg_conn.h"
#include "pgtote/progress.h"
#include "pgtote/resilient_merge.h"
#include "pgtote/sequence_sync.h"
#include "pgtote/sequence_watch.h"
#include "pgtote/server_refusal.h"
#include "pgtote/snapshot_reader.h"
#include "pgtote/source_identity.h"
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
  std::optional<IdRemap> remap;         // tables with match rules
  SourceIdentity source;                // the snapshot's, naming the source in the persistent id mapping
  bool subset_snapshot = false;         // --delete-missing deletes within the subset's scope only
  std::optional<KeyDeferral> deferral;  // foreign keys taken off empty tables until their rows are in

  Importer(const ImportOptions& o, const std::function<void(const std::string&)>& n,
           std::optional<SequencePositions>& before)
      : ImportSession(o), notify(n), sequences_before(before) {}

  // After a rollback: name the sequences the rolled-back writes advanced anyway.
  void note_sequences_moved() {
    if (!sequences_before) return;
    for (const auto& note : sequences_moved_by_writes(connection, plans, *sequences_before)) note_sequence(note);
  }

  void note_sequence(const std::string& note) {
    if (options.facts) options.facts->sequences.push_back(note);
    notify(note);
  }

  void begin() {
    if (options.facts) options.facts->server_version = connection.server_version();
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
    source = {reader.info().system_identifier, reader.info().database_oid, reader.info().database};
    if (!options.match.empty() && !source.identified())
      notify("match rules: " + options.snapshot_path +
             " has no source identity (written by an earlier pgtote, or by a role that may not run "
             "pg_control_system()): its id mapping is the one kept for the database name \"" +
             source.database +
             "\" alone, shared by every such snapshot of a database of that name, whatever its server");
    subset_snapshot = !reader.info().subset.empty();
    if (options.delete_missing) check_delete_scope(reader.info(), options.subset_scope);
    if (options.require_anonymized) check_anonymized(reader.info(), options.snapshot_path);  // stdin: checked here
    std::set<size_t> cycle_members;  // tables written together with others: never copied directly
    for (const auto& component : reader.info().components)
      if (component.size() > 1) cycle_members.insert(component.begin(), component.end());
    std::set<std::pair<std::string, std::string>> snapshot_tables(reader.info().order.begin(),
                                                                  reader.info().order.end());
    survey_keys(reader.info());
    auto progress = std::make_unique<Progress>(options.progress);  // ended before the notes below
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
      if (deferral && !plan.skipped) deferral->defer(connection, plan.target->oid);
      if (plan.skipped) {
        s.skipped = reader.skip_rows();
        s.skipped_because = plan.skip_reason;
        progress->file(reader.file_bytes_read(), reader.file_size());
      } else {
        // A direct plan's rows go straight into the target table: that is copying, not staging.
        progress->start({plan.direct ? "copying" : "staging", table.qualified_name(),
                         place_text("table", position + 1, reader.info().order.size()), ""});
        uint64_t rows = stage_table(connection, plan, reader, options.snapshot_path, *progress);
        if (plan.direct && remap && !remap->keeps_direct_copy(plan)) {
          plan.direct = false;  // the rule gives its rows other ids: they are remapped in a stage
          restage_copied_rows(connection, plan);
        }
        if (plan.direct)
          s.inserted = rows;
        else
          s.unchanged = rows;  // staged; split into inserted/updated/unchanged later
      }
      s.seconds = since(started);
      stats.push_back(s);
      plan_by_name[{table.schema, table.name}] = position;
    }
    progress.reset();  // the redrawn line is cleared before a note is printed
    if (deferral)
      for (const auto& note : {deferral->deferred_note(), deferral->not_owned_note()})
        if (!note.empty()) notify(note);
    return reader.info().components;
  }

  // Before the first write: the foreign keys of the snapshot's target tables, and which tables
  // are empty. Not with --continue-on-error, whose commits between levels would publish a table
  // without its keys.
  void survey_keys(const SnapshotInfo& info) {
    if (!options.defer_keys || options.continue_on_error) return;
    std::vector<uint32_t> oids;
    for (const auto& [schema, name] : info.order)
      for (const auto& target : target_tables)
        if (target.schema == schema && target.name == name) oids.push_back(target.oid);
    deferral.emplace(connection, oids);
  }

  // After every write: the deferred keys come back, each validated by one query. On the import's
  // first attempt a refusal is an error, and the staged attempt names the rows; on the staged
  // attempt, whose checks found no missing parent, it is a named problem (a key the checks do
  // not cover: one whose columns the snapshot does not fill).
  bool restore_keys() {
    if (!deferral) return true;
    try {
      Progress progress(options.progress);
      progress.start({"re-creating", "the deferred foreign keys", "", "each one checks all its table's rows"});
      deferral->restore(connection);
      return true;
    } catch (const Error& e) {
      if (options.direct_copy) throw;
      auto problem = refusal_problem(e.server(), e.server().schema + "." + e.server().table);
      if (!problem) throw;
      problem->note += " (found when the key, deferred until the rows were in, was re-created)";
      result.problems.push_back(std::move(*problem));
      return false;
    }
  }

  // A first import of a table: the target table is empty, it is not part of a multi-table cycle,
  // and no parent of it waits in a stage (its rows would not be there yet). Under match rules, as
  // long as its rows keep their ids and references (IdRemap::allows_direct_copy).
  bool copies_directly(const TablePlan& plan, const std::set<size_t>& cycle_members) {
    if (!options.direct_copy || options.dry_run || options.continue_on_error || options.snapshot_path == "-" ||
        plan.columns.empty() || cycle_members.count(plan.position) || !converted_columns(plan).empty() ||
        (remap && !remap->allows_direct_copy(plan)))
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
    Progress progress(options.progress);
    for (size_t level = 0; level <= deepest && !groups.empty(); ++level) {
      if (commit) connection.exec("BEGIN");
      for (size_t g = 0; g < groups.size(); ++g) {
        if (levels[g] != level) continue;
        std::string names;
        for (size_t m : groups[g]) names += (names.empty() ? "" : ", ") + plans[m].snapshot.qualified_name();
        progress.start({options.dry_run ? "rehearsing" : "merging", names,
                        place_text("dependency level", level + 1, deepest + 1), "rows counted at its end"});
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
    for (const auto& note : sync_sequences(connection, plans, options.dry_run)) note_sequence(note);
  }

  ImportResult run() {
    auto started = Clock::now();
    begin();
    if (!options.match.empty()) remap.emplace(*this);  // rules checked before any row is staged
    auto components = stage_all();
    if (remap)
      for (const auto& note : remap->remap(source)) notify(note);
    {
      Progress progress(options.progress);
      progress.start({"checking", "the staged rows", "", "set-based queries before any write"});
      check_before_writing(*this);
      check_identity_changes(*this);
    }
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
      if (remap) remap->record();
      bump_sequences();  // a dry run lists what would move and moves nothing
      connection.exec(options.dry_run ? "ROLLBACK" : "COMMIT");
      if (options.dry_run) note_sequences_moved();
      result.ok = result.rejected.empty();
    } else {
      if (options.dry_run && options.show_diff > 0) show_diffs(*this);
      // The dry run rehearses the writes and rolls back: exact by construction.
      if (options.dry_run) connection.exec("SAVEPOINT pgtote_rehearsal");
      result.ok = write_all(*this, groups) && restore_keys();
      if (result.ok && options.delete_missing) result.ok = delete_missing(*this, groups, subset_snapshot);
      if (result.ok && remap) remap->record();  // in the same transaction as the rows it maps
      if (result.ok) bump_sequences();          // a dry run lists what would move and moves nothing
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
        result.deletes.clear();  // rolled back with the rest
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
  if (options.delete_missing && options.continue_on_error)
    throw Error(ExitCode::usage,
                "--delete-missing and --continue-on-error go apart: deletes run in the import's one transaction");
  // A row set aside would keep its snapshot ids (a reference no mapping covers, a row with no
  // free id) and land on a stranger's row; and the mapping is written once, at the end.
  if (!options.match.empty() && options.continue_on_error)
    throw Error(ExitCode::usage,
                "match rules and --continue-on-error go apart: a row set aside would keep ids that name other "
                "rows in the target, and the id mapping is written in the import's one transaction");
  // A conflicting row skipped leaves the stage: --delete-missing would then delete its target row.
  if (options.delete_missing && options.skip_conflicts)
    throw Error(ExitCode::usage,
                "--delete-missing and --skip-conflicts go apart: a skipped row would count as missing, and its "
                "target row would be deleted");
  std::optional<SequencePositions> sequences_before;
  std::set<std::string> said;  // a note the first attempt gave is not repeated by the second
  std::function<void(const std::string&)> once = [&](const std::string& note) {
    if (said.insert(note).second) notify(note);
  };
  if (options.direct_copy) {
    try {
      Importer importer(options, once, sequences_before);
      return importer.run();
    } catch (const Error& e) {
      if (e.code() != ExitCode::database) throw;
      // A direct copy failed (or the merge did): nothing was kept. Start over with stages, so
      // the checks report every problem by name before any write.
    }
  }
  ImportOptions staged = options;
  staged.direct_copy = false;
  Importer importer(staged, once, sequences_before);
  return importer.run();
}

}  // namespace pgtote
