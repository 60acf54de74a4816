// A first import under match rules (id_remap.h): a table whose target table is empty has nothing
// to match, so every row is new under the id its rule gives it. When that id is the snapshot's
// own, the rows can be copied straight in (no stage, no rewrite), like a plain first import.
#pragma once

#include "pgtote/import_session.h"
#include "pgtote/match_keys.h"

namespace pgtote {

// Whether the rules let `plan` be copied straight into its empty target table (the importer
// checks the rest: empty, no cycle, no parent waiting in a stage). `rule` and `shape` are the
// table's match rule, null without one. The id must be the snapshot's own: an id without a
// default, or one from a sequence that may run on from it (direct_copy_keeps_ids; the rows may
// have to move into a stage after all, so no trigger may act on their delete and no row-level
// security hide them); a default function gives other ids. No reference in the table may need rewriting: every table it
// refers to is copied directly too. And where the stages would name a reference to a row the snapshot does not hold,
// only the server checks here, so every reference must be one it checks: an enforced key, NOT NULL when composite, no
// virtual foreign key from the table.
bool allows_direct_copy(ImportSession& session, const TablePlan& plan, const MatchRule* rule, const MatchShape* shape);

// After such a copy: whether the rows hold the ids the rule gives them. Fresh ids from a sequence
// run on from its state in snapshot id order; when they would differ from the snapshot's, the
// importer moves the rows into a stage (stager.h) and they are remapped there.
bool direct_copy_keeps_ids(Connection& connection, const TablePlan& plan, const MatchShape* shape);

}  // namespace pgtote
