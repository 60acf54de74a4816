// Deleting the target rows a snapshot does not hold (--delete-missing); see delete_missing.h.
// Set-based: one DELETE per table or cycle, and one count per table the deletes can reach.
#include "pgtote/delete_missing.h"

#include <algorithm>
#include <charconv>
#include <map>
#include <set>
#include <tuple>

#include "pgtote/error.h"
#include "pgtote/json_writer.h"
#include "pgtote/server_refusal.h"
#include "pgtote/snapshot_reader.h"
#include "pgtote/snapshot_writer.h"
#include "pgtote/sql_quote.h"
#include "pgtote/subset_graph.h"

namespace pgtote {

namespace {

// Result: table oid, constraint name, ON DELETE action ('c' cascade, 'n' set null, 'd' set
// default): every foreign key that acts on its rows when a parent row goes (partitions' copies
// of a parent's key left out).
constexpr const char* delete_actions_sql = R"SQL(
SELECT c.conrelid, c.conname::text, c.confdeltype::text
FROM pg_catalog.pg_constraint c
WHERE c.contype = 'f' AND c.confdeltype IN ('c', 'n', 'd') AND c.conparentid = 0
)SQL";

std::string col(const std::string& alias, const std::string& column) { return alias + "." + quote_ident(column); }

// A table the deletes may change: its rows before and after, and, when a foreign key of it sets
// NULL or a default as a parent row goes, how many of its rows the deletes rewrote.
struct Watched {
  const Table* table = nullptr;
  bool nulling = false;
  uint64_t rows_before = 0, rows_after = 0, changed = 0;
};

// The table's rows, and of them those whose version a transaction of `xids` (a text array of
// transaction ids; empty: not asked) wrote. A row that stayed but that a delete statement's ON
// DELETE SET NULL / SET DEFAULT rewrote carries the id of the savepoint the statement ran in:
// the server's own record of what changed, whatever the reference held before (NULL already, a
// default), however many references of the row were set, and leaving out rows that went.
std::pair<uint64_t, uint64_t> count_rows(Connection& connection, const Table& table, const std::string& xids) {
  if (xids.empty())
    return {static_cast<uint64_t>(connection.exec("SELECT count(*) FROM " + table_ref(table)).number(0, 0)), 0};
  // $1: the transaction ids. Result: rows, rows written by them.
  Result r = connection.exec(
      "SELECT count(*), count(*) FILTER (WHERE xmin = ANY($1::pg_catalog.xid[])) FROM " + table_ref(table), {xids});
  return {static_cast<uint64_t>(r.number(0, 0)), static_cast<uint64_t>(r.number(0, 1))};
}

std::string delete_sql(const TablePlan& plan, const std::string& scope) {
  std::string match;
  for (const auto& k : plan.key) match += (match.empty() ? "" : " AND ") + col("t", k) + " = " + col("s", k);
  return "DELETE FROM " + table_ref(*plan.target) + " t WHERE NOT EXISTS (SELECT 1 FROM pg_temp." +
         quote_ident(plan.stage) + " s WHERE " + match + ")" +
         (scope.empty() ? "" : " AND t.ctid IN (SELECT k.tid FROM " + scope + " k)") + " RETURNING 1";
}

std::string cap_text(const DeleteCap& cap) {
  if (!cap.is_percent) return std::to_string(cap.rows);
  std::string text = std::to_string(cap.percent);
  text.erase(text.find_last_not_of('0') + 1);
  if (text.back() == '.') text.pop_back();
  return text + "%";
}

}  // namespace

DeleteCap parse_delete_cap(const std::string& text) {
  DeleteCap cap;
  cap.is_percent = !text.empty() && text.back() == '%';
  std::string number = cap.is_percent ? text.substr(0, text.size() - 1) : text;
  const char* end = number.data() + number.size();
  bool ok = false;
  if (cap.is_percent) {
    auto [at, error] = std::from_chars(number.data(), end, cap.percent);
    ok = !number.empty() && error == std::errc() && at == end && cap.percent >= 0 && cap.percent <= 100;
  } else {
    auto [at, error] = std::from_chars(number.data(), end, cap.rows);
    ok = !number.empty() && error == std::errc() && at == end;
  }
  if (!ok)
    throw Error(ExitCode::usage,
                "--max-delete must be a number of rows (100) or a percentage (5%), not '" + text + "'");
  return cap;
}

void check_delete_scope(const SnapshotInfo& info, const SubsetSpec& scope) {
  if (!info.filtered_by_row_security.empty())
    throw Error(ExitCode::usage,
                "--delete-missing: row-level security hid rows from this snapshot's export, so rows it lacks may "
                "still exist in the source (import without --delete-missing)");
  if (info.subset.empty()) return;
  if (scope.empty())
    throw Error(ExitCode::usage,
                "--delete-missing: this snapshot is a subset; give the pgtote.yml it was exported with (--config), "
                "whose subset: says which target rows it speaks for (its start rows and their descendants)");
  for (const auto& start : scope.start)
    if (start.limit)
      throw Error(ExitCode::usage, "--delete-missing: the subset limits the rows of " + start.table +
                                       " (limit:), and which rows a limit kept in the source says nothing of the "
                                       "target's; import without --delete-missing");
  for (const auto& rule : scope.children)
    if (rule.limit_per_parent)
      throw Error(ExitCode::usage, "--delete-missing: the subset limits the children through " + rule.edge +
                                       " (limit_per_parent:), and which rows a limit kept in the source says "
                                       "nothing of the target's; import without --delete-missing");
  // The snapshot's header holds the subset it was exported with: the config's must be that one,
  // whole (start rows, children followed or not, parents, virtual foreign keys).
  if (info.subset.rfind(subset_definition_json(scope), 0) != 0)
    throw Error(ExitCode::usage,
                "--delete-missing: the config's subset: is not the one this snapshot was exported with (see pgtote "
                "inspect); give the pgtote.yml it was exported with");
}

namespace {

// The subset's rows in the target, as one temporary table of ctids per staged plan (index into
// session.plans -> its table's name), computed right before the deletes: the start rows, then
// their descendants through every edge the subset follows down, until nothing is added.
std::map<size_t, std::string> subset_scope(ImportSession& session) {
  Connection& connection = session.connection;
  std::vector<const Table*> tables;
  std::vector<size_t> plan_of;
  for (size_t i = 0; i < session.plans.size(); ++i)
    if (!session.plans[i].skipped && session.plans[i].target) {
      tables.push_back(session.plans[i].target);
      plan_of.push_back(i);
    }
  // Rows are told apart by ctid, which repeats across the partitions of a partitioned table.
  for (const Table* table : tables)
    if (table->partitioned)
      throw Error(ExitCode::usage, "--delete-missing on a subset snapshot: " + table->qualified_name() +
                                       " is partitioned, and its rows in the subset's scope cannot be told apart yet; "
                                       "import without --delete-missing");
  SubsetGraph graph = resolve_subset(session.options.subset_scope, tables);
  std::map<size_t, std::string> scope;
  for (size_t t = 0; t < tables.size(); ++t) {
    std::string name = "pg_temp." + quote_ident(session.plans[plan_of[t]].stage + "_scope");
    connection.exec("CREATE TEMPORARY TABLE " + name + " (tid pg_catalog.tid)");
    scope[plan_of[t]] = name;
  }
  auto scope_of = [&](size_t t) { return scope[plan_of[t]]; };
  // The conditions are the user's SQL from the config (as the export ran them), one statement each.
  const std::vector<std::optional<std::string>> one_statement;
  for (const auto& start : graph.start)
    connection.exec("INSERT INTO " + scope_of(start.table) + " SELECT t.ctid FROM " + table_ref(*tables[start.table]) +
                        " t" + (start.where.empty() ? "" : " WHERE (" + start.where + ")"),
                    one_statement);
  for (bool grew = true; grew;) {
    grew = false;
    for (const auto& edge : graph.edges) {
      if (!edge.follow_down || edge.null_outside) continue;
      std::string match, child = table_ref(*tables[edge.child]);
      for (size_t i = 0; i < edge.child_columns.size(); ++i)
        match += " AND " + col("p", edge.parent_columns[i]) + " = " + col("c", edge.child_columns[i]);
      std::string when =
          edge.when.empty() ? "" : " AND c.ctid IN (SELECT ctid FROM " + child + " WHERE (" + edge.when + "))";
      Result added = connection.exec("INSERT INTO " + scope_of(edge.child) + " SELECT DISTINCT c.ctid FROM " + child +
                                         " c JOIN " + table_ref(*tables[edge.parent]) + " p ON true" + match +
                                         " WHERE p.ctid IN (SELECT s.tid FROM " + scope_of(edge.parent) +
                                         " s) AND NOT EXISTS (SELECT 1 FROM " + scope_of(edge.child) +
                                         " k WHERE k.tid = c.ctid)" + when,
                                     one_statement);
      grew = grew || added.affected_rows() > 0;
    }
  }
  return scope;
}

}  // namespace

bool delete_missing(ImportSession& session, const std::vector<std::vector<size_t>>& groups, bool subset_snapshot) {
  Connection& connection = session.connection;
  std::map<size_t, std::string> scope;  // empty: the snapshot speaks for every row
  if (subset_snapshot) scope = subset_scope(session);
  // Tables whose rows go: every staged table with a key; then every table a cascade reaches.
  std::map<std::pair<uint32_t, std::string>, char> actions;
  Result r = connection.exec(delete_actions_sql);
  for (int i = 0; i < r.rows(); ++i) actions[{static_cast<uint32_t>(r.number(i, 0)), r.text(i, 1)}] = r.text(i, 2)[0];
  std::set<uint32_t> reached;
  for (const auto& members : groups)
    for (size_t m : members)
      if (!session.plans[m].key.empty()) reached.insert(session.plans[m].target->oid);
  auto action = [&](const Table& t, const ForeignKey& fk) {
    auto it = actions.find({t.oid, fk.name});
    return it == actions.end() ? 'a' : it->second;
  };
  auto parent_reached = [&](const ForeignKey& fk) {
    for (const auto& p : session.target_tables)
      if (p.schema == fk.ref_schema && p.name == fk.ref_table) return reached.count(p.oid) > 0;
    return false;
  };
  for (bool grew = true; grew;) {
    grew = false;
    for (const auto& t : session.target_tables)
      for (const auto& fk : t.foreign_keys)
        if (!reached.count(t.oid) && action(t, fk) == 'c' && parent_reached(fk)) {
          reached.insert(t.oid);
          grew = true;
        }
  }
  std::vector<Watched> watched;
  for (const auto& t : session.target_tables) {
    Watched w;
    w.table = &t;
    for (const auto& fk : t.foreign_keys)
      if ((action(t, fk) == 'n' || action(t, fk) == 'd') && parent_reached(fk)) w.nulling = true;
    if (reached.count(t.oid) || w.nulling) watched.push_back(std::move(w));
  }
  for (auto& w : watched) w.rows_before = count_rows(connection, *w.table, "").first;
  // Each delete statement runs in a savepoint; a row written into a temporary table there tells
  // the savepoint's transaction id (the rows the statement's ON DELETE actions rewrite carry it).
  std::vector<std::string> xids;
  connection.exec("CREATE TEMPORARY TABLE pg_temp.pgtote_delete_probe (x integer)");

  std::map<uint32_t, uint64_t> deleted;  // by table oid
  for (auto group = groups.rbegin(); group != groups.rend(); ++group) {
    std::string with, select, names;
    std::vector<const TablePlan*> plans;
    for (size_t m : *group) {
      const TablePlan& plan = session.plans[m];
      if (plan.key.empty()) continue;  // rows matched as a whole: no key says which are missing
      std::string n = std::to_string(plans.size());
      with += (with.empty() ? "WITH " : ", ") + std::string("d") + n + " AS (" +
              delete_sql(plan, scope.empty() ? "" : scope.at(m)) + ")";
      select += (select.empty() ? "" : ", ") + std::string("(SELECT count(*) FROM d") + n + ")";
      names += (names.empty() ? "" : ", ") + plan.snapshot.qualified_name();
      plans.push_back(&plan);
    }
    if (plans.empty()) continue;
    connection.exec("SAVEPOINT pgtote_delete");
    xids.push_back(connection.exec("INSERT INTO pg_temp.pgtote_delete_probe VALUES (1) RETURNING xmin").text(0, 0));
    try {
      Result counts = connection.exec(with + " SELECT " + select);
      connection.exec("RELEASE SAVEPOINT pgtote_delete");
      for (size_t i = 0; i < plans.size(); ++i)
        deleted[plans[i]->target->oid] += static_cast<uint64_t>(counts.number(0, static_cast<int>(i)));
    } catch (const Error& e) {
      auto problem = refusal_problem(e.server(), names);
      if (!problem) throw;
      connection.exec("ROLLBACK TO SAVEPOINT pgtote_delete");
      connection.exec("RELEASE SAVEPOINT pgtote_delete");
      problem->kind = "refused delete";
      session.result.problems.push_back(std::move(*problem));
      return false;
    }
  }

  connection.exec("DROP TABLE pg_temp.pgtote_delete_probe");
  bool ok = true;
  for (auto& w : watched) {
    std::tie(w.rows_after, w.changed) = count_rows(connection, *w.table, w.nulling ? text_array_literal(xids) : "");
    TableDeletes d;
    d.table = w.table->qualified_name();
    d.rows_before = w.rows_before;
    uint64_t lost = w.rows_before > w.rows_after ? w.rows_before - w.rows_after : 0;
    d.deleted = std::min(lost, deleted[w.table->oid]);
    d.cascaded = lost - d.deleted;
    d.set_null = w.changed;
    if (d.deleted + d.cascaded + d.set_null == 0) continue;
    const auto& cap = session.options.max_delete;
    bool over =
        cap && (cap->is_percent ? static_cast<double>(lost) * 100.0 > cap->percent * static_cast<double>(d.rows_before)
                                : lost > cap->rows);
    if (over) {
      ok = false;
      session.result.problems.push_back(
          {d.table,
           "too many deletes",
           lost,
           true,
           "",
           {std::to_string(lost) + " of its " + std::to_string(d.rows_before) + " rows would go (" +
            std::to_string(d.deleted) + " missing from the snapshot, " + std::to_string(d.cascaded) +
            " by ON DELETE CASCADE), more than --max-delete " + cap_text(*cap) + " allows"}});
    }
    session.result.deletes.push_back(d);
  }
  return ok;
}

}  // namespace pgtote
