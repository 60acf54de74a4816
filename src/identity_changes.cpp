// Finds updates that change the value of a unique key: set-based, one query per unique key.
#include "pgtote/identity_changes.h"

#include <algorithm>

#include "pgtote/sql_quote.h"

namespace pgtote {

namespace {

constexpr int example_limit = 5;

std::string col(const std::string& alias, const std::string& column) { return alias + "." + quote_ident(column); }

bool has_rule(const ImportOptions& options, const TablePlan& plan) {
  return std::any_of(options.match.begin(), options.match.end(), [&](const MatchRule& rule) {
    return rule.schema == plan.snapshot.schema && rule.table == plan.snapshot.name;
  });
}

void check_table(ImportSession& session, size_t index) {
  const TablePlan& plan = session.plans[index];
  std::string on, key_text_sql;
  for (const auto& k : plan.key) {
    on += (on.empty() ? "" : " AND ") + col("t", k) + " = " + col("s", k);
    key_text_sql +=
        " || " + quote_literal((key_text_sql.empty() ? "" : ", ") + k + "=") + " || " + col("s", k) + "::text";
  }
  for (const auto& unique : plan.target->unique_keys) {
    if (unique.columns == plan.key || !writes_all(plan, unique.columns)) continue;
    std::string before, after, change;
    for (const auto& c : unique.columns) {
      before += (before.empty() ? "" : ", ") + col("t", c);
      after += (after.empty() ? "" : ", ") + col("s", c);
      change += std::string(change.empty() ? "" : " || ', ' || ") + quote_literal(c + ": ") + " || coalesce(" +
                col("t", c) + "::text, 'NULL') || ' -> ' || coalesce(" + col("s", c) + "::text, 'NULL')";
    }
    std::string row = plan.rows_by_position ? "0" : col("s", plan.row_column);
    Result r = session.connection.exec(
        "SELECT count(*) OVER (), " + row + ", ''" + key_text_sql + ", " + change + " FROM pg_temp." +
        quote_ident(plan.stage) + " s JOIN " + table_ref(*plan.target) + " t ON " + on + " WHERE ROW(" + before +
        ") IS DISTINCT FROM ROW(" + after + ") ORDER BY 2 LIMIT " + std::to_string(example_limit));
    if (r.rows() == 0) continue;
    std::vector<std::string> examples;
    for (int i = 0; i < r.rows(); ++i)
      examples.push_back("row " + r.text(i, 1) + " (" + r.text(i, 2) + "): " + r.text(i, 3) + " (" +
                         (unique.constraint ? "unique key " : "unique index ") + unique.name + ")");
    uint64_t n = static_cast<uint64_t>(r.number(0, 0));
    bool blocking = session.options.refuse_identity_changes;
    std::string hint = "the target's row may be another one than the snapshot's: declare a match key (match: " +
                       plan.snapshot.qualified_name() + ": " + key_text(unique.columns) +
                       " in pgtote.yml, or --match " + plan.snapshot.qualified_name() + "=";
    for (size_t c = 0; c < unique.columns.size(); ++c) hint += (c ? "," : "") + unique.columns[c];
    hint += ")" + std::string(blocking ? "" : "; --refuse-identity-changes refuses them");
    session.result.problems.push_back({plan.snapshot.qualified_name(), "identity change", n, blocking, hint, examples});
    if (blocking) session.stats[index].errors += n;
  }
}

}  // namespace

void check_identity_changes(ImportSession& session) {
  if (session.options.existing != ExistingRows::update) return;
  for (size_t i = 0; i < session.plans.size(); ++i) {
    const TablePlan& plan = session.plans[i];
    if (plan.skipped || plan.direct || plan.key.empty() || has_rule(session.options, plan)) continue;
    check_table(session, i);
  }
}

}  // namespace pgtote
