// The snapshot's on-disk names, shared by writer and reader. The format is described in
// docs/snapshot-format.md; change both together, and bump the version when readers must know.
#pragma once

#include <string>

namespace pgtote::snapshot {

inline constexpr const char* format_name = "pgtote-snapshot";
// Readers accept every version from oldest_format_version to format_version.
inline constexpr int format_version = 2;
inline constexpr int oldest_format_version = 1;
// Version 2 added the json-text marker. A snapshot without json/jsonb columns is written as
// version 1, so older readers still read it.
inline constexpr int json_text_version = 2;

// Keys of the header's "source" object. server_version and database (its name) are always there;
// system_identifier (a string: the cluster's pg_control_system().system_identifier, a 64-bit
// number) and database_oid (a number) name the source across servers, and are absent in
// snapshots written before pgtote recorded them; system_identifier is also absent when the
// exporting role may not run pg_control_system(). Readers take a snapshot without both as
// identified by its database name alone.
inline constexpr const char* source_key = "source";
inline constexpr const char* source_server_version_key = "server_version";
inline constexpr const char* source_database_key = "database";
inline constexpr const char* source_system_identifier_key = "system_identifier";
inline constexpr const char* source_database_oid_key = "database_oid";

// Optional header key: [[schema, name]...] of the tables that row-level security may have
// filtered (export --enable-row-security). Absent when every table was read whole.
inline constexpr const char* filtered_by_row_security_key = "filtered_by_row_security";

// Optional header key: {"start", "children", "parents", "virtual_foreign_keys", "cut"}, the subset
// definition a subset export was made with. Absent when every row of every table was exported.
inline constexpr const char* subset_key = "subset";
// Optional header key: the columns an anonymized export transformed, as objects {schema, table,
// column, transform, follows?}. Present (possibly empty) exactly when the export had
// anonymization rules; the salt is never written.
inline constexpr const char* anonymized_key = "anonymized";

}  // namespace pgtote::snapshot

namespace pgtote {

// One transformed column, as the header's "anonymized" list records it.
struct AnonymizedColumn {
  std::string schema, table, column;
  std::string transform;  // "email", "hash", "json", "sql", "null (generated)"...
  std::string follows;    // "schema.table.column" of the key it follows as a reference; or empty
};

}  // namespace pgtote
