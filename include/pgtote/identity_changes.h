// Without match keys, rows match on the primary key: when dev's user 5 and prod's user 5 are
// different people, the "update" gives prod's row another identity. Such updates (a unique key's
// value changes) are listed apart, with a hint to declare a match key; they block with
// --refuse-identity-changes.
#pragma once

#include "pgtote/import_session.h"

namespace pgtote {

// Over the stages, before any write; findings go to session.result.problems ("identity change").
// Tables with a match rule are not checked: their rows already match on their business key.
void check_identity_changes(ImportSession& session);

}  // namespace pgtote
