// The import's write phase: each table or cycle gets only the statements it needs, a refused
// write is bisected so every refused row is named, and deferred constraints are checked last.
#include "pgtote/import_writer.h"

#include <algorithm>
#include <map>

#include "pgtote/error.h"
#include "pgtote/import_sql.h"
#include "pgtote/progress.h"
#include "pgtote/resilient_merge.h"
#include "pgtote/server_refusal.h"

namespace pgtote {

namespace {

// The writes, with the session's state under its own names.
struct Writer {
  ImportSession& session;
  const ImportOptions& options = session.options;
  Connection& connection = session.connection;
  std::vector<TablePlan>& plans = session.plans;
  std::vector<TableImportStats>& stats = session.stats;
  ImportResult& result = session.result;

  std::vector<const TablePlan*> group_plans(const std::vector<size_t>& members) const {
    return session.group_plans(members);
  }
  void record_counts(const std::vector<size_t>& members, const std::vector<uint64_t>& updated,
                     const std::vector<uint64_t>& inserted, Clock::time_point started) {
    session.record_counts(members, updated, inserted, started);
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
    for (size_t g = 0; g < groups.size(); ++g) {
      const auto& members = groups[g];
      std::string names;
      for (size_t m : members) names += (names.empty() ? "" : ", ") + plans[m].snapshot.qualified_name();
      // One statement per table or cycle: only its time can be shown while it runs.
      progress.start({options.dry_run ? "rehearsing" : "merging", names,
                      std::to_string(g + 1) + " of " + std::to_string(groups.size()) + " to write",
                      "one statement, rows counted at its end"});
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
};

}  // namespace

std::vector<const TablePlan*> ImportSession::group_plans(const std::vector<size_t>& members) const {
  std::vector<const TablePlan*> group;
  for (size_t m : members) group.push_back(&plans[m]);
  return group;
}

void ImportSession::record_counts(const std::vector<size_t>& members, const std::vector<uint64_t>& updated,
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

bool write_all(ImportSession& session, const std::vector<std::vector<size_t>>& groups) {
  return Writer{session}.write_all(groups);
}

}  // namespace pgtote
