// A first import's foreign keys, taken off empty target tables before their rows go in and
// re-created exactly as they were after, in the same transaction: one set-based validation per key
// instead of one trigger call per row (what pg_restore gets by creating constraints after the data).
#pragma once

#include <cstdint>
#include <map>
#include <optional>
#include <set>
#include <string>
#include <vector>

#include "pgtote/pg_conn.h"

namespace pgtote {

// One enforced foreign key of a table the import writes, as the catalog has it before any write.
struct DeferrableKey {
  uint32_t table_oid = 0;
  std::string table;   // schema.name, for messages
  std::string quoted;  // "schema"."name"
  std::string name;
  std::string definition;              // pg_get_constraintdef: MATCH, ON DELETE, DEFERRABLE, NOT VALID
  std::optional<std::string> comment;  // COMMENT ON CONSTRAINT
  std::string parent;                  // schema.name of the referenced table
  uint32_t parent_oid = 0;
  std::string quoted_parent;  // "schema"."name"
  bool owned = false;         // the importing role owns (or is a member of the owner of) the table and its parent
  bool plain = false;  // both are plain tables: neither partitioned nor a partition, nor FORCE ROW LEVEL SECURITY
  bool empty = false;  // both were empty when the import began (unknown, false, without SELECT)
};

class KeyDeferral {
 public:
  // Reads the enforced foreign keys of `table_oids` (the target tables the import writes) and
  // whether each table and parent is empty, before the first write of the transaction.
  KeyDeferral(Connection& connection, const std::vector<uint32_t>& table_oids);

  // Right before the table's first row is written: drops those of its keys that qualify (owned,
  // plain, table and parent empty at the start), then checks under the locks the drop took that
  // the table, and each parent the import does not write, are still empty (else the keys are put
  // back at once). True when keys were dropped.
  bool defer(Connection& connection, uint32_t table_oid);

  // After every write: re-creates each dropped key with its definition and comment, which
  // validates it with one query (a NOT VALID key is validated once, then re-created NOT VALID,
  // as the server would have checked each new row). Throws Error(database) naming the table
  // and key when the server refuses one; the caller rolls back, which puts every key back.
  void restore(Connection& connection);

  // One line for the user: which tables had keys deferred, and the locks that holds. Empty
  // when no key was deferred.
  std::string deferred_note() const;
  // One line: empty tables the import writes whose keys stay in place because this role does
  // not own them or their parents. Empty when there are none.
  std::string not_owned_note() const;

 private:
  std::vector<DeferrableKey> keys_;
  std::set<uint32_t> written_;  // the tables the import writes (a parent among them may fill first)
  std::vector<const DeferrableKey*> dropped_;
  std::set<std::string> deferred_tables_, parents_locked_, not_owned_tables_;
};

}  // namespace pgtote
