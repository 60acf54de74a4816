// A write the server refused (a unique index with a predicate, an exclusion constraint, a CHECK,
// a deferred key at commit, RLS, a privilege, a trigger that raises), as a named import problem.
#pragma once

#include <optional>
#include <string>

#include "pgtote/error.h"
#include "pgtote/importer.h"

namespace pgtote {

// The problem to report for `server` when writing `tables` failed, or nullopt when the error is
// not a refusal of the data (a lost connection, a server fault): those stay errors.
std::optional<ImportProblem> refusal_problem(const ServerError& server, const std::string& tables);

}  // namespace pgtote
