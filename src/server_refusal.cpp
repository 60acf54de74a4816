// Turns the server's error fields (SQLSTATE, constraint, table, detail) into one named problem,
// without reading the message text for anything but showing it.
#include "pgtote/server_refusal.h"

namespace pgtote {

namespace {

struct Kind {
  const char* sqlstate;  // exact code, or a two-character class
  const char* name;
  const char* advice;
};

constexpr Kind kinds[] = {
    {"23505", "conflict", "another row holds this unique value; fix the data or pass --skip-conflicts"},
    {"23P01", "exclusion conflict", "another row overlaps under this exclusion constraint"},
    {"23514", "check violation", "the target's CHECK constraint refuses the row"},
    {"23503", "missing parent", "the row's parent is in neither the snapshot nor the target"},
    {"23502", "not null", "the target requires a value here"},
    {"42501", "permission denied",
     "the importing role lacks a privilege or a row-level security policy refuses the row"},
    {"44000", "check option", "a view's WITH CHECK OPTION refuses the row"},
    {"P0001", "trigger raised", "a trigger on the target refused the row"},
    {"23", "integrity violation", "the target refuses the row"},
    {"22", "value refused", "the target refuses a value"},
    {"P0", "trigger raised", "a trigger on the target refused the row"},
    {"38", "trigger raised", "a function on the target refused the row"},
    {"39", "trigger raised", "a function on the target refused the row"},
    {"2F", "trigger raised", "a function on the target refused the row"},
    {"42", "refused by the target",
     "a trigger, rule or default on the target failed (its object or privilege is missing)"},
    {"0A", "refused by the target", "the target does not support this write (a trigger, rule or view on it)"},
    {"55", "refused by the target", "the target is not in a state to take the write"},
};

const Kind* kind_of(const std::string& sqlstate) {
  for (const auto& kind : kinds) {
    std::string code = kind.sqlstate;
    if (code.size() == 5 ? sqlstate == code : sqlstate.compare(0, code.size(), code) == 0) return &kind;
  }
  return nullptr;
}

}  // namespace

std::optional<ImportProblem> refusal_problem(const ServerError& server, const std::string& tables) {
  if (server.sqlstate.size() != 5) return std::nullopt;
  const Kind* kind = kind_of(server.sqlstate);
  if (!kind) return std::nullopt;
  ImportProblem problem;
  problem.table = server.table.empty() ? tables : server.schema + "." + server.table;
  problem.kind = kind->name;
  problem.count = 1;
  problem.blocking = true;
  std::string example = server.message;
  if (!server.constraint.empty()) example = "constraint " + server.constraint + ": " + example;
  if (!server.column.empty()) example += ", column " + server.column;
  if (!server.detail.empty()) example += " (" + server.detail + ")";
  example += " [SQLSTATE " + server.sqlstate + "]";
  problem.examples.push_back(example);
  problem.note = kind->advice;
  return problem;
}

}  // namespace pgtote
