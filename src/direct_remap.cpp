// Which tables a first import under match rules copies straight in; see direct_remap.h.
#include "pgtote/direct_remap.h"

#include <algorithm>

#include "pgtote/fresh_ids.h"
#include "pgtote/id_sources.h"
#include "pgtote/sql_quote.h"

namespace pgtote {

bool allows_direct_copy(ImportSession& session, const TablePlan& plan, const MatchRule* rule, const MatchShape* shape) {
  // A copy whose ids turn out not to be the rule's moves into a stage by ctid: one table's rows,
  // numbered in the order they came.
  if (plan.rows_by_position || plan.target->partitioned) return false;
  if (has_virtual_reference(plan, session.options.virtual_foreign_keys)) return false;
  for (const auto& fk : plan.target->foreign_keys) {
    if (std::none_of(fk.columns.begin(), fk.columns.end(), [&](const std::string& c) { return writes_all(plan, {c}); }))
      continue;
    bool self = fk.ref_schema == plan.snapshot.schema && fk.ref_table == plan.snapshot.name;
    auto parent = session.plan_by_name.find({fk.ref_schema, fk.ref_table});
    if (!self && (parent == session.plan_by_name.end() || session.plans[parent->second].skipped)) continue;
    if (!self && !session.plans[parent->second].direct) return false;  // its ids may move: rewritten in a stage
    if (!fk.enforced) return false;
    if (fk.columns.size() > 1)
      for (const auto& c : fk.columns) {
        const Column* column = plan.target->find_column(c);
        if (!column || !column->not_null) return false;
      }
  }
  if (!rule) return true;
  // A column the snapshot lacks is refused after staging (drift): no copy may run before.
  if (!writes_all(plan, rule->columns) || (!shape->id_column.empty() && !writes_all(plan, {shape->id_column})))
    return false;
  if (shape->id_column.empty()) return true;  // rows match on the key alone: no id to give
  const Column& id = *plan.target->find_column(shape->id_column);
  if (!draws_from_sequence(id)) return !id.default_expr;
  // Its rows may have to move into a stage (INSERT … SELECT, DELETE): not where a trigger acts
  // on a delete (it could keep the rows, or write elsewhere), nor where row-level security could
  // hide some of them from the move. $1: the table's oid.
  return session.connection
      .exec(
          "SELECT NOT c.relrowsecurity AND NOT EXISTS (SELECT 1 FROM pg_catalog.pg_trigger tg WHERE tg.tgrelid = "
          "c.oid AND NOT tg.tgisinternal AND tg.tgenabled <> 'D' AND (tg.tgtype & 8) <> 0) FROM pg_catalog.pg_class c "
          "WHERE c.oid = $1::pg_catalog.oid",
          {std::to_string(plan.target->oid)})
      .boolean(0, 0);
}

bool direct_copy_keeps_ids(Connection& connection, const TablePlan& plan, const MatchShape* shape) {
  if (!shape || shape->id_column.empty()) return true;
  const Column& id = *plan.target->find_column(shape->id_column);
  if (!draws_from_sequence(id)) return true;  // without a default, a new row keeps its snapshot id
  std::string t = "t." + quote_ident(id.name);
  // $1, $2: the sequence's start and step. Result: rows whose id is not the one it would give.
  Result differ =
      connection.exec("SELECT count(*) FROM (SELECT " + t + " AS id, " + sequence_ids(t, id.type) + " AS fresh FROM " +
                          table_ref(*plan.target) + " t) x WHERE x.id IS DISTINCT FROM x.fresh",
                      sequence_start(connection, *id.sequence));
  return differ.number(0, 0) == 0;
}

}  // namespace pgtote
