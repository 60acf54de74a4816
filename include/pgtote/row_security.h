// Row-level security on export: which selected tables the exporting role would see only in part.
// Like pg_dump, pgtote refuses a silently partial export unless asked for one, and then marks it.
#pragma once

#include <string>
#include <vector>

#include "pgtote/pg_conn.h"
#include "pgtote/schema_model.h"

namespace pgtote {

// A table whose rows the role reads through its policies (PostgreSQL's check_enable_rls: row
// security is enabled, and the role is no superuser, has no BYPASSRLS, and is not the owner of a
// table without FORCE ROW LEVEL SECURITY).
struct RowSecurityFilter {
  size_t position = 0;                // into the tables given to row_security_filters
  std::vector<std::string> policies;  // policy names, by name; empty: every row is hidden
  bool forced = false;                // FORCE ROW LEVEL SECURITY: the owner is filtered too
};

struct RowSecurityCheck {
  std::string role;  // current_user
  std::vector<RowSecurityFilter> filtered;
};

// Reads the catalog (in the caller's transaction) for `tables`; no row is read.
RowSecurityCheck check_row_security(Connection& connection, const std::vector<const Table*>& tables);

// The one-line refusal of an export with row_security = off: each filtered table with its
// policies, and how to proceed.
std::string row_security_refusal(const RowSecurityCheck& check, const std::vector<const Table*>& tables);

// The session setting every export connection runs: off (refuse partial reads) or on.
std::string row_security_setting_sql(bool enable_row_security);

}  // namespace pgtote
