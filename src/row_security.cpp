// Row-level security, checked from the catalog before any row is read, so a refusal never
// depends on the server's wording and comes before a snapshot file exists.
#include "pgtote/row_security.h"

#include <map>

namespace pgtote {

namespace {

// $1: table oids. Result: table oid, FORCE ROW LEVEL SECURITY, policy name (NULL when no policy
// applies), current_user; one row per table and policy, tables by oid, policies by name.
// Only tables the current role reads through policies, following check_enable_rls: RLS enabled,
// the role neither superuser nor BYPASSRLS, and not the owner (by privilege, as the server
// counts it) unless the table has FORCE. Policies listed are those a SELECT by this role uses.
constexpr const char* filtered_tables_sql = R"SQL(
SELECT c.oid, c.relforcerowsecurity, p.polname, CURRENT_USER
FROM pg_catalog.pg_class c
LEFT JOIN pg_catalog.pg_policy p
  ON p.polrelid = c.oid AND p.polcmd IN ('r', '*')
  AND EXISTS (SELECT 1 FROM pg_catalog.unnest(p.polroles) AS r(roleid)
              WHERE CASE WHEN r.roleid = 0 THEN true ELSE pg_catalog.pg_has_role(r.roleid, 'USAGE') END)
WHERE c.oid = ANY($1::pg_catalog.oid[]) AND c.relrowsecurity
  AND NOT EXISTS (SELECT 1 FROM pg_catalog.pg_roles role
                  WHERE role.rolname = CURRENT_USER AND (role.rolsuper OR role.rolbypassrls))
  AND (c.relforcerowsecurity OR NOT pg_catalog.pg_has_role(c.relowner, 'USAGE'))
ORDER BY c.oid, p.polname COLLATE "C"
)SQL";

std::string join(const std::vector<std::string>& items) {
  std::string out;
  for (const auto& item : items) out += (out.empty() ? "" : ", ") + item;
  return out;
}

}  // namespace

RowSecurityCheck check_row_security(Connection& connection, const std::vector<const Table*>& tables) {
  RowSecurityCheck check;
  if (tables.empty()) return check;
  std::map<uint32_t, size_t> position_of;
  std::vector<std::string> oids;
  for (size_t i = 0; i < tables.size(); ++i) {
    position_of[tables[i]->oid] = i;
    oids.push_back(std::to_string(tables[i]->oid));
  }
  Result r = connection.exec(filtered_tables_sql, {text_array_literal(oids)});
  std::map<size_t, RowSecurityFilter> by_position;  // ordered like `tables`
  for (int i = 0; i < r.rows(); ++i) {
    auto found = position_of.find(static_cast<uint32_t>(r.number(i, 0)));
    if (found == position_of.end()) continue;
    RowSecurityFilter& filter = by_position[found->second];
    filter.position = found->second;
    filter.forced = r.boolean(i, 1);
    if (!r.is_null(i, 2)) filter.policies.push_back(r.text(i, 2));
    check.role = r.text(i, 3);
  }
  for (auto& [position, filter] : by_position) check.filtered.push_back(std::move(filter));
  return check;
}

std::string row_security_refusal(const RowSecurityCheck& check, const std::vector<const Table*>& tables) {
  std::vector<std::string> described;
  for (const auto& filter : check.filtered) {
    std::string text = tables[filter.position]->qualified_name() + " (";
    if (filter.policies.empty())
      text += "no policy lets this role read a row";
    else
      text += (filter.policies.size() == 1 ? "policy " : "policies ") + join(filter.policies);
    if (filter.forced) text += "; FORCE ROW LEVEL SECURITY, so the owner is filtered too";
    described.push_back(text + ")");
  }
  return "row-level security would hide rows from role " + check.role + " in " + join(described) +
         ": use a role with BYPASSRLS (or the table's owner), or pass --enable-row-security to export only the "
         "rows this role can see";
}

std::string row_security_setting_sql(bool enable_row_security) {
  return enable_row_security ? "SET row_security = on" : "SET row_security = off";
}

}  // namespace pgtote
