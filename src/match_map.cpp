// The persistent id mapping's table: created on first use, read back by `pgtote map`.
#include "pgtote/match_map.h"

#include <functional>

#include "pgtote/error.h"
#include "pgtote/sql_quote.h"

namespace pgtote {

std::string match_map_table(const std::string& schema) { return quote_qualified(schema, "match_map"); }

bool match_map_exists(Connection& connection, const std::string& schema) {
  return !connection.exec("SELECT pg_catalog.to_regclass($1)", {match_map_table(schema)}).is_null(0, 0);
}

void ensure_match_map(Connection& connection, const std::string& schema) {
  if (match_map_exists(connection, schema)) return;  // no CREATE privilege needed once it is there
  try {
    connection.exec("CREATE SCHEMA IF NOT EXISTS " + quote_ident(schema));
    connection.exec("CREATE TABLE IF NOT EXISTS " + match_map_table(schema) +
                    " (source_database text NOT NULL, table_name text NOT NULL, snapshot_key text NOT NULL, "
                    "target_key text NOT NULL, recorded_at timestamptz NOT NULL DEFAULT pg_catalog.now(), "
                    "PRIMARY KEY (source_database, table_name, snapshot_key))");
  } catch (const Error& e) {
    if (e.server().sqlstate != "42501") throw;  // insufficient privilege
    throw Error(ExitCode::database,
                "match rules keep their id mapping in " + match_map_table(schema) +
                    ", and this role may not create it (" + e.server().message +
                    "); create the schema for it and let the role use it, or set match_map_schema: to a schema the "
                    "role may create tables in",
                e.server());
  }
  connection.exec("COMMENT ON TABLE " + match_map_table(schema) + " IS " +
                  quote_literal("pgtote: snapshot key -> target key of rows imported with match rules; DROP SCHEMA " +
                                quote_ident(schema) + " CASCADE forgets them"));
}

std::vector<MatchMapEntry> read_match_map(Connection& connection, const std::string& schema) {
  std::vector<MatchMapEntry> out;
  if (!match_map_exists(connection, schema)) return out;
  // Keys that are numbers sort as numbers (2 before 10), the rest as text.
  Result r = connection.exec(
      "SELECT source_database, table_name, snapshot_key, target_key, recorded_at::text FROM " +
      match_map_table(schema) +
      " ORDER BY 1, 2, (snapshot_key ~ '^-?[0-9]{1,18}$') DESC, CASE WHEN snapshot_key ~ '^-?[0-9]{1,18}$' THEN "
      "snapshot_key::bigint END, snapshot_key");
  for (int i = 0; i < r.rows(); ++i)
    out.push_back({r.text(i, 0), r.text(i, 1), r.text(i, 2), r.text(i, 3), r.text(i, 4)});
  return out;
}

bool fill_empty_match_map(Connection& connection, const std::string& schema, const std::function<void()>& write) {
  std::string table = match_map_table(schema);
  // Result: the primary key's name and definition, and whether this role owns the table.
  Result key = connection.exec(
      "SELECT con.conname, pg_catalog.pg_get_constraintdef(con.oid), pg_catalog.pg_has_role(c.relowner, 'USAGE') "
      "FROM pg_catalog.pg_constraint con JOIN pg_catalog.pg_class c ON c.oid = con.conrelid "
      "WHERE con.conrelid = $1::pg_catalog.regclass AND con.contype = 'p'",
      {table});
  if (key.rows() != 1 || !key.boolean(0, 2)) return false;
  std::string name = quote_ident(key.text(0, 0)), definition = key.text(0, 1);
  connection.exec("SAVEPOINT pgtote_fill_map");
  bool empty = false;
  try {
    connection.exec("ALTER TABLE " + table + " DROP CONSTRAINT " + name);
    // Under the lock the drop holds: no other import adds an entry before the commit.
    empty = connection.exec("SELECT NOT EXISTS (SELECT 1 FROM " + table + ")").boolean(0, 0);
  } catch (const Error& e) {
    if (e.server().sqlstate.empty()) throw;  // the server refused the drop (a dependent object): keep the key
  }
  if (!empty) {
    connection.exec("ROLLBACK TO SAVEPOINT pgtote_fill_map");
    connection.exec("RELEASE SAVEPOINT pgtote_fill_map");
    return false;
  }
  write();
  connection.exec("ALTER TABLE " + table + " ADD CONSTRAINT " + name + " " + definition);
  connection.exec("RELEASE SAVEPOINT pgtote_fill_map");
  return true;
}

}  // namespace pgtote
