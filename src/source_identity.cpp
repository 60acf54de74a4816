// A snapshot source's identity, read from the server; see source_identity.h.
#include "pgtote/source_identity.h"

#include "pgtote/sql_quote.h"

namespace pgtote {

namespace {

// No parameters. Result: whether the role may execute pg_control_system() (false too when the
// server has no such function), the database's oid, its name, the role. Asked first, so that a
// refusal never aborts the caller's transaction.
constexpr const char* identity_sql = R"(
SELECT CASE WHEN pg_catalog.to_regprocedure('pg_catalog.pg_control_system()') IS NULL THEN false
            ELSE pg_catalog.has_function_privilege(
                   pg_catalog.to_regprocedure('pg_catalog.pg_control_system()')::pg_catalog.oid, 'EXECUTE') END,
       d.oid::pg_catalog.text, d.datname, pg_catalog.current_user()
  FROM pg_catalog.pg_database d
 WHERE d.datname = pg_catalog.current_database())";

// No parameters. Result: the cluster's system identifier, which initdb chooses at random and
// every physical replica shares.
constexpr const char* system_identifier_sql =
    "SELECT system_identifier::pg_catalog.text FROM pg_catalog.pg_control_system()";

}  // namespace

std::string SourceIdentity::describe() const {
  if (identified()) return database + " (system " + system_identifier + ", database oid " + database_oid + ")";
  return database + " (name only: no source identity)";
}

SourceIdentityRead read_source_identity(Connection& connection) {
  SourceIdentityRead out;
  Result r = connection.exec(identity_sql);
  out.identity.database_oid = r.text(0, 1);
  out.identity.database = r.text(0, 2);
  if (r.text(0, 0) == "t") {
    out.identity.system_identifier = connection.exec(system_identifier_sql).text(0, 0);
    return out;
  }
  out.note = "source identity: role " + r.text(0, 3) +
             " may not execute pg_catalog.pg_control_system(), so the snapshot names its source by the database's "
             "name and oid only; an import with match rules then keys its id mapping by the name \"" +
             out.identity.database +
             "\", shared with any other server's database of that name (on the source, GRANT EXECUTE ON FUNCTION "
             "pg_catalog.pg_control_system() TO " +
             quote_ident(r.text(0, 3)) + " records the server's identity)";
  return out;
}

}  // namespace pgtote
