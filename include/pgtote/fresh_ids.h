// How a new row of a remapped table gets its id (id_remap.h) when the id column draws from a
// sequence: the sequence's next values in snapshot id order, computed from its state and never
// drawn before the commit (a refused or interrupted import leaves it as it was; the commit moves
// it past the ids with the others). Shared by the remap and the check of a direct copy.
#pragma once

#include <optional>
#include <string>
#include <vector>

#include "pgtote/pg_conn.h"
#include "pgtote/schema_model.h"

namespace pgtote {

// An identity column, or a default that calls nextval().
bool draws_from_sequence(const Column& column);
// The parameters of sequence_ids: $1 the number before the first fresh id, $2 the step, read
// from the sequence's state (`sequence`, its quoted name).
std::vector<std::optional<std::string>> sequence_start(Connection& connection, const std::string& sequence);
// The fresh id of each row as an expression over a query's rows: $1 + $2 * the row's position in
// `order`, cast to `type` (the id column's).
std::string sequence_ids(const std::string& order, const std::string& type);

}  // namespace pgtote
