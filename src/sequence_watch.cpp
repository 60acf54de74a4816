// Reads sequence positions before an import and names those its rolled-back writes advanced.
#include "pgtote/sequence_watch.h"

#include <algorithm>
#include <set>

#include "pgtote/catalog.h"
#include "pgtote/sql_quote.h"

namespace pgtote {

namespace {

// Result: sequence schema, sequence name, last value or NULL. Only sequences the role may
// read: pg_sequence_last_value needs SELECT or USAGE (the CASE keeps the privilege function,
// which fails on other relations, from running before the relkind test).
constexpr const char* positions_sql = R"SQL(
SELECT n.nspname, c.relname, pg_catalog.pg_sequence_last_value(c.oid)
FROM pg_catalog.pg_class c
JOIN pg_catalog.pg_namespace n ON n.oid = c.relnamespace
WHERE c.relkind = 'S' AND n.nspname !~ '^pg_temp'
  AND CASE WHEN c.relkind = 'S' THEN pg_catalog.has_sequence_privilege(c.oid, 'SELECT,USAGE') END
)SQL";

}  // namespace

SequencePositions read_sequence_positions(Connection& connection) {
  SequencePositions positions;
  Result r = connection.exec(positions_sql);
  for (int i = 0; i < r.rows(); ++i)
    positions[quote_qualified(r.value(i, 0), r.value(i, 1))] = r.is_null(i, 2) ? "" : r.text(i, 2);
  return positions;
}

std::vector<std::string> sequences_moved_by_writes(Connection& connection, const std::vector<TablePlan>& plans,
                                                   const SequencePositions& before) {
  std::vector<uint32_t> oids;
  std::map<uint32_t, const TablePlan*> by_oid;
  for (const auto& plan : plans)
    if (!plan.skipped && plan.target) {
      oids.push_back(plan.target->oid);
      by_oid[plan.target->oid] = &plan;
    }
  std::map<std::string, std::string> drawn_by;  // sequence -> "table.column" the writes left to it
  for (const auto& use : read_sequence_uses(connection, oids)) {
    const TablePlan* plan = by_oid[use.table_oid];
    bool written = std::any_of(plan->columns.begin(), plan->columns.end(),
                               [&](const ImportColumn& c) { return c.name == use.column; });
    if (!written && !drawn_by.count(use.sequence))
      drawn_by[use.sequence] = plan->target->qualified_name() + "." + use.column;
  }
  std::vector<std::string> notes;
  if (drawn_by.empty()) return notes;
  SequencePositions after = read_sequence_positions(connection);
  for (const auto& [sequence, column] : drawn_by) {
    auto was = before.find(sequence);
    auto now = after.find(sequence);
    if (was == before.end() || now == after.end() || was->second == now->second) continue;
    notes.push_back("sequence " + sequence + " moved from " + (was->second.empty() ? "unused" : was->second) + " to " +
                    now->second + ": the rolled-back writes drew from it through the default of " + column +
                    " (which the snapshot does not fill); PostgreSQL never takes sequence numbers back, so they "
                    "are skipped, never reused");
  }
  return notes;
}

}  // namespace pgtote
