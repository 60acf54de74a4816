// Which database a snapshot came from, told apart across servers: the cluster's system identifier
// and the database's oid, so two servers' "app_development" are two sources. The id mapping that
// match rules keep in the target is keyed by it (match_map.h).
#pragma once

#include <string>

#include "pgtote/pg_conn.h"

namespace pgtote {

struct SourceIdentity {
  std::string system_identifier;  // pg_control_system().system_identifier, as text; empty: unknown
  std::string database_oid;       // pg_database.oid, as text; empty: unknown
  std::string database;           // the database's name at the export (informative once identified)

  // Both parts known: the identity tells servers apart. Otherwise the name alone names the source
  // (a snapshot of an older pgtote, or of a role that may not run pg_control_system()).
  bool identified() const { return !system_identifier.empty() && !database_oid.empty(); }
  // "app_development (system 7714190817517886802, database oid 16384)", or
  // "app_development (name only: no source identity)".
  std::string describe() const;
};

struct SourceIdentityRead {
  SourceIdentity identity;
  std::string note;  // set when the system identifier could not be read: why, and how to grant it
};

// Reads the connected database's identity. pg_control_system() is executable by PUBLIC on a
// default install (PostgreSQL 12 to 18), but an administrator may revoke it: then the identity
// has the oid and the name only, and the note says so. Never fails on a missing privilege, so it
// may run inside the export's transaction.
SourceIdentityRead read_source_identity(Connection& connection);

}  // namespace pgtote
