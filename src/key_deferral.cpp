// Foreign keys dropped from empty target tables for a first import and re-created after its
// writes, in its one transaction (a failure anywhere rolls the drops back with everything else).
#include "pgtote/key_deferral.h"

#include <map>

#include "pgtote/catalog.h"
#include "pgtote/error.h"
#include "pgtote/sql_quote.h"

namespace pgtote {

namespace {

// $1: table oids. Result: table oid, schema, name, constraint name, definition, comment, parent
// oid, parent schema, parent name, owned (the role is a member of the owners of the table and of
// the parent), plain (both are regular tables, neither partitioned nor a partition, nor forcing
// row level security on their owner, which would make a table with rows look empty), table
// readable, parent readable. One row per enforced foreign key declared on the tables (NOT
// ENFORCED keys, PostgreSQL 18, fire no trigger and stay as they are).
constexpr const char* keys_sql = R"SQL(
SELECT c.oid, n.nspname, c.relname, con.conname, pg_catalog.pg_get_constraintdef(con.oid),
       pg_catalog.obj_description(con.oid, 'pg_constraint'), p.oid, pn.nspname, p.relname,
       pg_catalog.pg_has_role(c.relowner, 'USAGE') AND pg_catalog.pg_has_role(p.relowner, 'USAGE'),
       c.relkind = 'r' AND NOT c.relispartition AND p.relkind = 'r' AND NOT p.relispartition
         AND NOT c.relforcerowsecurity AND NOT p.relforcerowsecurity,
       pg_catalog.has_table_privilege(c.oid, 'SELECT'), pg_catalog.has_table_privilege(p.oid, 'SELECT')
FROM pg_catalog.pg_constraint con
JOIN pg_catalog.pg_class c ON c.oid = con.conrelid
JOIN pg_catalog.pg_namespace n ON n.oid = c.relnamespace
JOIN pg_catalog.pg_class p ON p.oid = con.confrelid
JOIN pg_catalog.pg_namespace pn ON pn.oid = p.relnamespace
WHERE con.contype = 'f' AND con.conparentid = 0 AND {enforced} AND con.conrelid = ANY($1::pg_catalog.oid[])
ORDER BY c.oid, con.conname COLLATE "C"
)SQL";

constexpr std::string_view not_valid = " NOT VALID";

std::string is_empty_sql(const std::string& quoted) { return "NOT EXISTS (SELECT 1 FROM ONLY " + quoted + ")"; }

std::string joined(const std::set<std::string>& names) {
  std::string out;
  for (const auto& name : names) out += (out.empty() ? "" : ", ") + name;
  return out;
}

}  // namespace

KeyDeferral::KeyDeferral(Connection& connection, const std::vector<uint32_t>& table_oids) {
  if (table_oids.empty()) return;
  written_.insert(table_oids.begin(), table_oids.end());
  std::string oids;
  for (uint32_t oid : table_oids) oids += (oids.empty() ? "" : ",") + std::to_string(oid);
  Result r = connection.exec(with_version_columns(keys_sql, connection.server_version_num()), {"{" + oids + "}"});
  // Which tables are empty: one statement for every table and parent that can be read.
  std::map<uint32_t, std::string> readable;  // oid -> quoted name
  std::vector<uint32_t> parent_oids;
  for (int i = 0; i < r.rows(); ++i) {
    DeferrableKey key;
    key.table_oid = static_cast<uint32_t>(r.number(i, 0));
    key.table = r.text(i, 1) + "." + r.text(i, 2);
    key.quoted = quote_qualified(r.value(i, 1), r.value(i, 2));
    key.name = r.text(i, 3);
    key.definition = r.text(i, 4);
    key.comment = r.optional_text(i, 5);
    key.parent = r.text(i, 7) + "." + r.text(i, 8);
    key.parent_oid = static_cast<uint32_t>(r.number(i, 6));
    key.quoted_parent = quote_qualified(r.value(i, 7), r.value(i, 8));
    key.owned = r.boolean(i, 9);
    key.plain = r.boolean(i, 10);
    parent_oids.push_back(static_cast<uint32_t>(r.number(i, 6)));
    if (key.plain && r.boolean(i, 11)) readable[key.table_oid] = key.quoted;
    if (key.plain && r.boolean(i, 12)) readable[parent_oids.back()] = quote_qualified(r.value(i, 7), r.value(i, 8));
    keys_.push_back(std::move(key));
  }
  if (readable.empty()) return;
  std::string select;
  for (const auto& [oid, quoted] : readable) select += (select.empty() ? "SELECT " : ", ") + is_empty_sql(quoted);
  Result emptiness = connection.exec(select);
  std::map<uint32_t, bool> empty;
  int column = 0;
  for (const auto& [oid, quoted] : readable) empty[oid] = emptiness.boolean(0, column++);
  for (size_t k = 0; k < keys_.size(); ++k) keys_[k].empty = empty[keys_[k].table_oid] && empty[parent_oids[k]];
}

bool KeyDeferral::defer(Connection& connection, uint32_t table_oid) {
  std::vector<const DeferrableKey*> keys;
  for (const auto& key : keys_) {
    if (key.table_oid != table_oid || !key.plain || !key.empty) continue;
    if (key.owned)
      keys.push_back(&key);
    else
      not_owned_tables_.insert(key.table);
  }
  if (keys.empty()) return false;
  connection.exec("SAVEPOINT pgtote_defer_keys");
  bool still_empty = false;
  try {
    for (const auto* key : keys)
      connection.exec("ALTER TABLE " + key->quoted + " DROP CONSTRAINT " + quote_ident(key->name));
    // Someone may have written a row between the survey and the locks the drops hold now: into
    // the table, or into a parent this import does not fill (it must not stay locked with rows).
    std::string check = "SELECT " + is_empty_sql(keys.front()->quoted);
    for (const auto* key : keys)
      if (!written_.count(key->parent_oid)) check += " AND " + is_empty_sql(key->quoted_parent);
    still_empty = connection.exec(check).boolean(0, 0);
  } catch (const Error& e) {
    // A parent written earlier in this transaction with deferred checks still pending refuses
    // the drop (55006, "pending trigger events"), as does a lock another session holds (55P03,
    // 40P01): such keys stay and check row by row. Anything else is an error.
    const std::string& state = e.server().sqlstate;
    if (state != "55006" && state != "55P03" && state != "40P01") throw;
  }
  if (!still_empty) {
    connection.exec("ROLLBACK TO SAVEPOINT pgtote_defer_keys");
    connection.exec("RELEASE SAVEPOINT pgtote_defer_keys");
    return false;
  }
  connection.exec("RELEASE SAVEPOINT pgtote_defer_keys");
  for (const auto* key : keys) {
    dropped_.push_back(key);
    deferred_tables_.insert(key->table);
    if (key->parent != key->table) parents_locked_.insert(key->parent);
  }
  return true;
}

void KeyDeferral::restore(Connection& connection) {
  for (const auto* key : dropped_) {
    std::string add = "ALTER TABLE " + key->quoted + " ADD CONSTRAINT " + quote_ident(key->name) + " ";
    try {
      std::string_view definition = key->definition;
      if (definition.size() > not_valid.size() &&
          definition.substr(definition.size() - not_valid.size()) == not_valid) {
        // The server checks every new row against a NOT VALID key, and every row is new here.
        connection.exec(add + std::string(definition.substr(0, definition.size() - not_valid.size())));
        connection.exec("ALTER TABLE " + key->quoted + " DROP CONSTRAINT " + quote_ident(key->name));
      }
      connection.exec(add + key->definition);
      if (key->comment)
        connection.exec("COMMENT ON CONSTRAINT " + quote_ident(key->name) + " ON " + key->quoted + " IS " +
                        quote_literal(*key->comment));
    } catch (const Error& e) {
      if (e.server().sqlstate.empty()) throw;
      ServerError server = e.server();
      if (server.constraint.empty()) server.constraint = key->name;
      throw Error(ExitCode::database,
                  key->table + ": the foreign key " + key->name +
                      " (deferred until the rows were in) refuses them: " + e.what(),
                  std::move(server));
    }
  }
  dropped_.clear();
}

std::string KeyDeferral::deferred_note() const {
  if (deferred_tables_.empty()) return "";
  std::set<std::string> parents;
  for (const auto& parent : parents_locked_)
    if (!deferred_tables_.count(parent)) parents.insert(parent);
  return "foreign keys deferred until the rows are in, on the empty tables " + joined(deferred_tables_) +
         ": they and the tables they reference" + (parents.empty() ? "" : " (" + joined(parents) + ")") +
         " stay locked ACCESS EXCLUSIVE until the import ends (--no-defer-keys keeps the keys and these locks off)";
}

std::string KeyDeferral::not_owned_note() const {
  if (not_owned_tables_.empty()) return "";
  return "foreign keys checked row by row on " + joined(not_owned_tables_) +
         ": this role does not own the table or the table it references (keys are deferred only on tables it owns)";
}

}  // namespace pgtote
