// Sequences are not transactional: a rolled-back INSERT keeps the numbers that its column
// defaults drew. A dry run or a refused import names each sequence that moved that way.
#pragma once

#include <map>
#include <string>
#include <vector>

#include "pgtote/import_plan.h"
#include "pgtote/pg_conn.h"

namespace pgtote {

// Last value of every sequence of the database this role may read (a never-used one: "").
using SequencePositions = std::map<std::string, std::string>;
SequencePositions read_sequence_positions(Connection& connection);

// After a rollback: the sequences that columns of the written plans draw from by default
// without the snapshot filling them (so the writes called nextval) and that moved since
// `before`, one note each. Outside a transaction.
std::vector<std::string> sequences_moved_by_writes(Connection& connection, const std::vector<TablePlan>& plans,
                                                   const SequencePositions& before);

}  // namespace pgtote
