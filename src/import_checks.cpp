// The import's checks before any write, and the dry run's predictions: set-based queries over
// the staging tables, never one statement per row.
#include <algorithm>

#include "pgtote/error.h"
#include "pgtote/import_session.h"
#include "pgtote/import_sql.h"

namespace pgtote {

namespace {

constexpr int example_limit = 5;

std::string assignment(const std::vector<std::string>& columns, const Result& r, int row, int first) {
  std::string names, values;
  for (size_t i = 0; i < columns.size(); ++i) {
    names += (i ? ", " : "") + columns[i];
    values +=
        (i ? ", " : "") +
        (r.is_null(row, first + static_cast<int>(i)) ? std::string("NULL") : r.text(row, first + static_cast<int>(i)));
  }
  return columns.size() == 1 ? names + "=" + values : "(" + names + ")=(" + values + ")";
}

std::vector<std::string> match_columns(const TablePlan& plan) {
  if (!plan.key.empty()) return plan.key;
  std::vector<std::string> all;
  for (const auto& c : plan.columns) all.push_back(c.name);
  return all;
}

// The checks, with the session's state under its own names.
struct Checks {
  ImportSession& session;
  const ImportOptions& options = session.options;
  Connection& connection = session.connection;
  std::vector<TablePlan>& plans = session.plans;
  std::vector<TableImportStats>& stats = session.stats;
  ImportResult& result = session.result;

  const TablePlan* staged_plan(const std::string& schema, const std::string& name) const {
    return session.staged_plan(schema, name);
  }
  std::vector<std::pair<const ForeignKey*, const Table*>> checked_foreign_keys(const TablePlan& plan) const {
    return session.checked_foreign_keys(plan);
  }

  void add_problem(const TablePlan& plan, const std::string& kind, uint64_t count, bool blocking,
                   std::vector<std::string> examples) {
    if (count == 0) return;
    result.problems.push_back(
        {plan.snapshot.qualified_name(), kind, count, blocking, blocking ? "" : "skipped", std::move(examples)});
  }

  void check_keys_unique(const TablePlan& plan) {
    if (plan.key.empty()) return;
    Result r = connection.exec(import_sql::duplicate_keys(plan));
    if (r.number(0, 0) == 0) return;
    // Which values, in which snapshot rows: with a match key whose references were remapped, rows
    // distinct in the snapshot may meet on one target row.
    Result rows = connection.exec(import_sql::duplicate_key_rows(plan, example_limit));
    std::string examples;
    int key_size = static_cast<int>(plan.key.size());
    for (int i = 0; i < rows.rows(); ++i) {
      std::string values;
      for (int c = 0; c < key_size; ++c)
        values += (c ? ", " : "") + (rows.is_null(i, c) ? std::string("NULL") : rows.text(i, c));
      examples += "; " + (key_size > 1 ? key_text(plan.key) : plan.key[0]) + " = " +
                  (key_size > 1 ? "(" + values + ")" : values) + " in rows " + rows.text(i, key_size);
    }
    bool matched = plan.key_source.rfind("match key", 0) == 0;
    throw Error(ExitCode::bad_snapshot,
                "snapshot: table " + plan.snapshot.qualified_name() + " holds " + r.text(0, 0) +
                    " duplicated values of its key (" + plan.key_source + ")" + examples +
                    (matched ? "; those rows would all be the one target row with that key (references in the key "
                               "are remapped first): make the key unique in the source, or match on more columns"
                             : ""));
  }

  void check_not_null(const TablePlan& plan, TableImportStats& s) {
    std::vector<std::string> columns;
    for (const auto& c : plan.columns)
      if (c.not_null) columns.push_back(c.name);
    if (columns.empty()) return;
    Result counts = connection.exec(import_sql::null_counts(plan, columns));
    for (size_t i = 0; i < columns.size(); ++i) {
      uint64_t n = static_cast<uint64_t>(counts.number(0, static_cast<int>(i)));
      if (n == 0) continue;
      Result rows = connection.exec(import_sql::null_rows(plan, columns[i], example_limit));
      std::vector<std::string> examples;
      for (int r = 0; r < rows.rows(); ++r)
        examples.push_back("row " + rows.text(r, 0) + ": " + columns[i] + " is NULL");
      add_problem(plan, "not null", n, true, examples);
      s.errors += n;
    }
  }

  void check_parents(const TablePlan& plan, TableImportStats& s) {
    for (auto [fk, parent] : checked_foreign_keys(plan)) {
      const TablePlan* parent_plan = staged_plan(parent->schema, parent->name);
      Result r = connection.exec(
          import_sql::missing_parents(plan, *fk, *parent, parent_plan ? parent_plan->stage : "", example_limit));
      if (r.rows() == 0) continue;
      // A parent table the snapshot carries but this import leaves out (-t, -T, --skip-audit).
      auto it = session.plan_by_name.find({parent->schema, parent->name});
      std::string where =
          it != session.plan_by_name.end() && plans[it->second].skipped
              ? "not in the target, and the snapshot's rows of it are left out (" + plans[it->second].skip_reason + ")"
              : "neither in the snapshot nor in the target";
      std::vector<std::string> examples;
      for (int i = 0; i < r.rows(); ++i)
        examples.push_back("row " + r.text(i, 1) + ": " + assignment(fk->columns, r, i, 2) + " has no row in " +
                           parent->qualified_name() + " (" + where + "; foreign key " + fk->name + ")");
      add_problem(plan, "missing parent", static_cast<uint64_t>(r.number(0, 0)), true, examples);
      s.errors += static_cast<uint64_t>(r.number(0, 0));
    }
  }

  // The snapshot's type, when the target knows it by that name: reading a stored value back as it
  // tells whether the conversion kept it (10.50 in numeric(12,2) is 10.5000 as numeric(12,4)).
  // The name comes from the snapshot: it is spliced only after the server parsed it as a type.
  std::string known_type(const std::string& type) {
    connection.exec("SAVEPOINT pgtote_type");
    try {
      bool known = !connection.exec("SELECT pg_catalog.to_regtype($1)", {type}).is_null(0, 0);
      connection.exec("RELEASE SAVEPOINT pgtote_type");
      return known ? type : "";
    } catch (const Error& e) {
      if (e.server().sqlstate.empty()) throw;
      connection.exec("ROLLBACK TO SAVEPOINT pgtote_type");
      connection.exec("RELEASE SAVEPOINT pgtote_type");
      return "";
    }
  }

  Result converted_values(const TablePlan& plan, size_t n, const std::string& type) {
    std::string stored_as = known_type(type);
    if (!stored_as.empty()) {
      connection.exec("SAVEPOINT pgtote_type");
      try {
        Result r = connection.exec(import_sql::converted_values(plan, n, stored_as, example_limit));
        connection.exec("RELEASE SAVEPOINT pgtote_type");
        return r;
      } catch (const Error& e) {  // a value that does not convert back: compare text forms
        if (e.server().sqlstate.empty()) throw;
        connection.exec("ROLLBACK TO SAVEPOINT pgtote_type");
        connection.exec("RELEASE SAVEPOINT pgtote_type");
      }
    }
    return connection.exec(import_sql::converted_values(plan, n, "", example_limit));
  }

  // Values the target's column would store differently from the snapshot: a narrower type
  // rounds (numeric scale, timestamp precision, real) or trims (char). Blocking unless --allow-lossy.
  void check_converted(const TablePlan& plan, TableImportStats& s) {
    std::vector<size_t> converted = converted_columns(plan);
    std::vector<std::string> key = match_columns(plan);
    for (size_t n = 0; n < converted.size(); ++n) {
      const ImportColumn& column = plan.columns[converted[n]];
      Result r = converted_values(plan, n, column.narrowed_from);
      if (r.rows() == 0) continue;
      const Column* target_column = plan.target->find_column(column.name);
      std::string types = column.narrowed_from + " -> " + (target_column ? target_column->type : "?");
      int k = static_cast<int>(key.size());
      std::vector<std::string> examples;
      auto shown = [&](int row, int col) { return r.is_null(row, col) ? std::string("NULL") : r.text(row, col); };
      for (int i = 0; i < r.rows(); ++i)
        examples.push_back("row " + r.text(i, 1) + " " + assignment(key, r, i, 2) + ", column " + column.name + " (" +
                           types + "): " + shown(i, 2 + k) + " -> stored as " + shown(i, 3 + k));
      uint64_t count = static_cast<uint64_t>(r.number(0, 0));
      add_problem(plan, "lossy conversion", count, !options.allow_lossy, examples);
      if (!options.allow_lossy) s.errors += count;
      if (options.allow_lossy) result.problems.back().note = "stored as the target's type holds them (--allow-lossy)";
    }
  }

  // Unique keys of the target other than the match key.
  std::vector<const UniqueKey*> other_unique_keys(const TablePlan& plan) {
    std::vector<const UniqueKey*> out;
    for (const auto& unique : plan.target->unique_keys) {
      if (unique.columns != plan.key && writes_all(plan, unique.columns)) out.push_back(&unique);
    }
    return out;
  }

  bool keep_existing() const { return options.existing != ExistingRows::update; }

  void check_conflicts(const TablePlan& plan, TableImportStats& s) {
    std::vector<std::string> key = match_columns(plan);
    for (const UniqueKey* unique : other_unique_keys(plan)) {
      Result r = connection.exec(import_sql::conflicts(plan, *unique, keep_existing(), example_limit));
      if (r.rows() == 0) continue;
      std::vector<std::string> examples;
      int k = static_cast<int>(key.size()), u = static_cast<int>(unique->columns.size());
      for (int i = 0; i < r.rows(); ++i)
        examples.push_back("row " + r.text(i, 1) + " " + assignment(key, r, i, 2) + ": " +
                           assignment(unique->columns, r, i, 2 + k) + " is already held by the target's row " +
                           assignment(key, r, i, 2 + k + u) + " (" + (unique->constraint ? "constraint " : "index ") +
                           unique->name + ")");
      uint64_t n = static_cast<uint64_t>(r.number(0, 0));
      add_problem(plan, "conflict", n, !options.skip_conflicts, examples);
      s.conflicts += n;
      if (options.skip_conflicts) {
        Result deleted = connection.exec(import_sql::delete_conflicts(plan, *unique, keep_existing()));
        uint64_t gone = deleted.affected_rows();
        s.skipped += gone;
        s.unchanged -= gone;
      }
    }
  }

  void check_existing(const TablePlan& plan, TableImportStats& s) {
    Result r = connection.exec(import_sql::existing_rows(plan, example_limit));
    if (r.rows() == 0) return;
    std::vector<std::string> key = match_columns(plan);
    std::vector<std::string> examples;
    for (int i = 0; i < r.rows(); ++i)
      examples.push_back("row " + r.text(i, 1) + ": " + assignment(key, r, i, 2) + " exists");
    add_problem(plan, "existing row", static_cast<uint64_t>(r.number(0, 0)), true, examples);
    s.errors += static_cast<uint64_t>(r.number(0, 0));
  }

  // After --skip-conflicts removed rows: rows that lost their parent with them go too, in
  // order, repeated until nothing changes (cycles can cascade back).
  void skip_orphans() {
    for (bool changed = true; changed;) {
      changed = false;
      for (size_t i = 0; i < plans.size(); ++i) {
        if (plans[i].skipped || plans[i].direct) continue;
        for (auto [fk, parent] : checked_foreign_keys(plans[i])) {
          const TablePlan* parent_plan = staged_plan(parent->schema, parent->name);
          if (!parent_plan) continue;  // parents only in the target were checked already
          Result deleted =
              connection.exec(import_sql::delete_missing_parents(plans[i], *fk, *parent, parent_plan->stage));
          uint64_t gone = deleted.affected_rows();
          if (gone == 0) continue;
          stats[i].skipped += gone;
          stats[i].unchanged -= gone;
          changed = true;
        }
      }
    }
  }

  void check_all() {
    // Parents are checked before --skip-conflicts removes any row, so only rows that were
    // orphans from the start count as errors; those orphaned by the skips are skipped too.
    for (size_t i = 0; i < plans.size(); ++i) {
      if (plans[i].skipped || plans[i].direct) continue;
      auto started = Clock::now();
      check_keys_unique(plans[i]);
      check_not_null(plans[i], stats[i]);
      check_converted(plans[i], stats[i]);
      check_parents(plans[i], stats[i]);
      if (options.existing == ExistingRows::fail) check_existing(plans[i], stats[i]);
      stats[i].seconds += since(started);
    }
    bool skipped_any = false;
    for (size_t i = 0; i < plans.size(); ++i) {
      if (plans[i].skipped || plans[i].direct) continue;
      auto started = Clock::now();
      uint64_t before = stats[i].skipped;
      check_conflicts(plans[i], stats[i]);
      skipped_any = skipped_any || stats[i].skipped != before;
      stats[i].seconds += since(started);
    }
    if (skipped_any) skip_orphans();
  }

  void predict() {
    for (size_t i = 0; i < plans.size(); ++i) {
      if (plans[i].skipped || plans[i].direct) continue;
      auto started = Clock::now();
      Result r = connection.exec(import_sql::classify(plans[i]));
      uint64_t staged = static_cast<uint64_t>(r.number(0, 0));
      stats[i].inserted = static_cast<uint64_t>(r.number(0, 1));
      stats[i].updated = options.existing == ExistingRows::update ? static_cast<uint64_t>(r.number(0, 2)) : 0;
      stats[i].unchanged = staged - stats[i].inserted - stats[i].updated;
      if (options.show_diff > 0 && stats[i].updated > 0) show_diff(plans[i]);
      stats[i].seconds += since(started);
    }
  }

  void show_diff(const TablePlan& plan) {
    Result r = connection.exec(import_sql::changed_rows(plan, options.show_diff));
    auto shown = [&](int row, int col) { return r.is_null(row, col) ? std::string("NULL") : r.text(row, col); };
    // One result row per column: the rows of one changed row are consecutive, in column order.
    for (int first = 0, end = 0; first < r.rows(); first = end) {
      std::string number = r.text(first, 0), changes, key_text;
      for (end = first; end < r.rows() && r.text(end, 0) == number; ++end) {
        if (r.is_null(end, 1)) continue;  // a table without columns
        size_t c = static_cast<size_t>(r.number(end, 1)) - 1;
        if (c >= plan.columns.size()) continue;
        if (plan.columns[c].in_key)
          key_text += (key_text.empty() ? "" : ", ") + plan.columns[c].name + "=" + shown(end, 3);
        else if (r.is_null(end, 2) != r.is_null(end, 3) || shown(end, 2) != shown(end, 3))
          changes += "\n    " + plan.columns[c].name + ": " + shown(end, 2) + " -> " + shown(end, 3);
      }
      result.diffs.push_back(plan.snapshot.qualified_name() + " (" + key_text + ") row " + number + changes);
    }
  }
};

}  // namespace

const TablePlan* ImportSession::staged_plan(const std::string& schema, const std::string& name) const {
  auto it = plan_by_name.find({schema, name});
  if (it == plan_by_name.end() || plans[it->second].skipped || plans[it->second].direct) return nullptr;
  return &plans[it->second];
}

std::vector<std::pair<const ForeignKey*, const Table*>> ImportSession::checked_foreign_keys(
    const TablePlan& plan) const {
  std::vector<std::pair<const ForeignKey*, const Table*>> out;
  for (const auto& fk : plan.target->foreign_keys) {
    // The server checks no row for a NOT ENFORCED key (PostgreSQL 18), so neither does pgtote.
    if (!fk.enforced || !writes_all(plan, fk.columns)) continue;
    for (const auto& t : target_tables)
      if (t.schema == fk.ref_schema && t.name == fk.ref_table) out.push_back({&fk, &t});
  }
  return out;
}

void check_before_writing(ImportSession& session) { Checks{session}.check_all(); }

void predict_counts(ImportSession& session) { Checks{session}.predict(); }

void show_diffs(ImportSession& session) {
  Checks checks{session};
  if (session.options.existing != ExistingRows::update) return;
  for (const auto& plan : session.plans)
    if (!plan.skipped && !plan.direct && !plan.key.empty()) checks.show_diff(plan);
}

}  // namespace pgtote
