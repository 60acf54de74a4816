// The persistent id mapping's table: created on first use, upgraded from the name-keyed shape of
// earlier builds, read back by `pgtote map`.
#include "pgtote/match_map.h"

#include <functional>

#include "pgtote/error.h"
#include "pgtote/sql_quote.h"

namespace pgtote {

namespace {

// Parameter: the table's qualified name. Result: whether it has the identity columns (a table an
// earlier pgtote made is keyed by the source's name alone).
constexpr const char* has_identity_sql = R"(
SELECT EXISTS (SELECT 1 FROM pg_catalog.pg_attribute a
                WHERE a.attrelid = pg_catalog.to_regclass($1) AND a.attname = 'source_system_identifier'
                  AND NOT a.attisdropped))";

// Parameter: the table's qualified name. Result: the name of its primary key constraint, if any.
constexpr const char* primary_key_sql = R"(
SELECT c.conname FROM pg_catalog.pg_constraint c
 WHERE c.conrelid = pg_catalog.to_regclass($1) AND c.contype = 'p')";

// The two kinds of entries, each with its own key: an identified source's by its identity, a
// name-only source's by its name. ON CONFLICT names them by these columns and predicates.
constexpr const char* identity_key_columns =
    "(source_system_identifier, source_database_oid, table_name, snapshot_key)";
constexpr const char* identity_key_predicate = "source_system_identifier <> ''";
constexpr const char* name_only_key_columns = "(source_database, table_name, snapshot_key)";
constexpr const char* name_only_key_predicate = "source_system_identifier = ''";

bool has_identity(Connection& connection, const std::string& schema) {
  return connection.exec(has_identity_sql, {match_map_table(schema)}).text(0, 0) == "t";
}

void create_keys(Connection& connection, const std::string& schema) {
  const std::string table = match_map_table(schema);
  connection.exec("CREATE UNIQUE INDEX IF NOT EXISTS match_map_identity_key ON " + table + " " + identity_key_columns +
                  " WHERE " + identity_key_predicate);
  connection.exec("CREATE UNIQUE INDEX IF NOT EXISTS match_map_name_only_key ON " + table + " " +
                  name_only_key_columns + " WHERE " + name_only_key_predicate);
  connection.exec("COMMENT ON TABLE " + table + " IS " +
                  quote_literal("pgtote: snapshot key -> target key of rows imported with match rules, per source "
                                "(system identifier and database oid; '' and the name for a source without them); "
                                "DROP SCHEMA " +
                                quote_ident(schema) + " CASCADE forgets them"));
}

}  // namespace

std::string match_map_table(const std::string& schema) { return quote_qualified(schema, "match_map"); }

bool match_map_exists(Connection& connection, const std::string& schema) {
  return !connection.exec("SELECT pg_catalog.to_regclass($1)", {match_map_table(schema)}).is_null(0, 0);
}

void ensure_match_map(Connection& connection, const std::string& schema) {
  if (match_map_exists(connection, schema)) {  // no CREATE privilege needed once it is there
    upgrade_match_map(connection, schema);
    return;
  }
  try {
    connection.exec("CREATE SCHEMA IF NOT EXISTS " + quote_ident(schema));
    connection.exec("CREATE TABLE IF NOT EXISTS " + match_map_table(schema) +
                    " (source_system_identifier text NOT NULL, source_database_oid oid NOT NULL, "
                    "source_database text NOT NULL, table_name text NOT NULL, snapshot_key text NOT NULL, "
                    "target_key text NOT NULL, recorded_at timestamptz NOT NULL DEFAULT pg_catalog.now())");
  } catch (const Error& e) {
    if (e.server().sqlstate != "42501") throw;  // insufficient privilege
    throw Error(ExitCode::database,
                "match rules keep their id mapping in " + match_map_table(schema) +
                    ", and this role may not create it (" + e.server().message +
                    "); create the schema for it and let the role use it, or set match_map_schema: to a schema the "
                    "role may create tables in",
                e.server());
  }
  create_keys(connection, schema);
}

uint64_t upgrade_match_map(Connection& connection, const std::string& schema) {
  if (!match_map_exists(connection, schema) || has_identity(connection, schema)) return 0;
  const std::string table = match_map_table(schema);
  try {
    // The defaults fill the existing entries (name-only), then go: every writer names all columns.
    connection.exec("ALTER TABLE " + table +
                    " ADD COLUMN source_system_identifier text NOT NULL DEFAULT '', ADD COLUMN source_database_oid "
                    "oid NOT NULL DEFAULT 0");
    connection.exec(
        "ALTER TABLE " + table +
        " ALTER COLUMN source_system_identifier DROP DEFAULT, ALTER COLUMN source_database_oid DROP DEFAULT");
    Result key = connection.exec(primary_key_sql, {table});
    if (key.rows() > 0) connection.exec("ALTER TABLE " + table + " DROP CONSTRAINT " + quote_ident(key.text(0, 0)));
    create_keys(connection, schema);
  } catch (const Error& e) {
    if (e.server().sqlstate != "42501") throw;  // must be owner
    throw Error(ExitCode::database,
                table +
                    " was made by an earlier pgtote and keys its entries by the source database's name alone; "
                    "this import would add the source identity's columns, and this role may not alter the table (" +
                    e.server().message + "); run one import as the table's owner, or DROP SCHEMA " +
                    quote_ident(schema) + " CASCADE to forget the mapping",
                e.server());
  }
  return static_cast<uint64_t>(connection.exec("SELECT count(*) FROM " + table).number(0, 0));
}

std::string match_map_source_condition(const SourceIdentity& source, const std::string& alias,
                                       std::vector<std::optional<std::string>>& params) {
  auto next = [&](const std::string& value) {
    params.push_back(value);
    return "$" + std::to_string(params.size());
  };
  if (source.identified()) {
    std::string system = next(source.system_identifier);
    return alias + ".source_system_identifier = " + system + " AND " + alias +
           ".source_database_oid = " + next(source.database_oid) + "::pg_catalog.oid";
  }
  return alias + ".source_system_identifier = '' AND " + alias + ".source_database = " + next(source.database);
}

std::vector<std::optional<std::string>> match_map_source_values(const SourceIdentity& source) {
  if (source.identified()) return {source.system_identifier, source.database_oid, source.database};
  return {std::string(), source.database_oid.empty() ? "0" : source.database_oid, source.database};
}

std::string match_map_conflict_target(const SourceIdentity& source) {
  if (source.identified()) return std::string(identity_key_columns) + " WHERE " + identity_key_predicate;
  return std::string(name_only_key_columns) + " WHERE " + name_only_key_predicate;
}

std::vector<std::pair<std::string, uint64_t>> name_only_entries(Connection& connection, const std::string& schema,
                                                                const std::string& database) {
  std::vector<std::pair<std::string, uint64_t>> out;
  Result r = connection.exec("SELECT table_name, count(*) FROM " + match_map_table(schema) +
                                 " WHERE source_system_identifier = '' AND source_database = $1 GROUP BY 1 ORDER BY 1",
                             {database});
  for (int i = 0; i < r.rows(); ++i) out.push_back({r.text(i, 0), static_cast<uint64_t>(r.number(i, 1))});
  return out;
}

std::string claim_name_only_sql(const std::string& schema, const SourceIdentity& source) {
  return "UPDATE " + match_map_table(schema) +
         " SET source_system_identifier = " + quote_literal(source.system_identifier) +
         ", source_database_oid = " + source.database_oid +
         " WHERE source_system_identifier = '' AND source_database = " + quote_literal(source.database);
}

std::string forget_name_only_sql(const std::string& schema, const std::string& database) {
  return "DELETE FROM " + match_map_table(schema) +
         " WHERE source_system_identifier = '' AND source_database = " + quote_literal(database);
}

std::vector<MatchMapEntry> read_match_map(Connection& connection, const std::string& schema) {
  std::vector<MatchMapEntry> out;
  if (!match_map_exists(connection, schema)) return out;
  std::string identity = has_identity(connection, schema) ? "source_system_identifier, source_database_oid::text"
                                                          : "''::text, '0'::text";  // an earlier pgtote's table
  // Keys that are numbers sort as numbers (2 before 10), the rest as text.
  Result r = connection.exec(
      "SELECT " + identity + ", source_database, table_name, snapshot_key, target_key, recorded_at::text FROM " +
      match_map_table(schema) +
      " ORDER BY 1, 2, 3, 4, (snapshot_key ~ '^-?[0-9]{1,18}$') DESC, CASE WHEN snapshot_key ~ '^-?[0-9]{1,18}$' "
      "THEN snapshot_key::bigint END, snapshot_key");
  for (int i = 0; i < r.rows(); ++i)
    out.push_back({r.text(i, 0), r.text(i, 1), r.text(i, 2), r.text(i, 3), r.text(i, 4), r.text(i, 5), r.text(i, 6)});
  return out;
}

bool fill_empty_match_map(Connection& connection, const std::string& schema, const std::function<void()>& write) {
  const std::string table = match_map_table(schema);
  // Result: whether this role owns the table (dropping its indexes needs that).
  if (!connection
           .exec("SELECT pg_catalog.pg_has_role(c.relowner, 'USAGE') FROM pg_catalog.pg_class c "
                 "WHERE c.oid = $1::pg_catalog.regclass",
                 {table})
           .boolean(0, 0))
    return false;
  connection.exec("SAVEPOINT pgtote_fill_map");
  bool empty = false;
  try {
    connection.exec("DROP INDEX " + quote_qualified(schema, "match_map_identity_key") + ", " +
                    quote_qualified(schema, "match_map_name_only_key"));
    // Under the lock the drop holds: no other import adds an entry before the commit.
    empty = connection.exec("SELECT NOT EXISTS (SELECT 1 FROM " + table + ")").boolean(0, 0);
  } catch (const Error& e) {
    if (e.server().sqlstate.empty()) throw;  // the server refused the drop (a dependent object): keep the keys
  }
  if (!empty) {
    connection.exec("ROLLBACK TO SAVEPOINT pgtote_fill_map");
    connection.exec("RELEASE SAVEPOINT pgtote_fill_map");
    return false;
  }
  write();
  create_keys(connection, schema);
  connection.exec("RELEASE SAVEPOINT pgtote_fill_map");
  return true;
}

}  // namespace pgtote
