// Catalog queries. Each names its parameters and result columns; catalogs are always qualified.
#include "pgtote/catalog.h"

#include <map>

#include "pgtote/sql_quote.h"
#include "pgtote/value_codec.h"

namespace pgtote {

namespace {

// Result: oid, schema, name, relkind. Ordinary and partitioned tables, not partitions.
constexpr const char* tables_sql = R"SQL(
SELECT c.oid, n.nspname, c.relname, c.relkind
FROM pg_catalog.pg_class c
JOIN pg_catalog.pg_namespace n ON n.oid = c.relnamespace
WHERE c.relkind IN ('r', 'p') AND NOT c.relispartition
  AND n.nspname NOT IN ('pg_catalog', 'information_schema')
  AND n.nspname !~ '^pg_(toast|temp_)'
  AND NOT EXISTS (SELECT 1 FROM pg_catalog.pg_depend d
                  WHERE d.classid = 'pg_catalog.pg_class'::pg_catalog.regclass
                    AND d.objid = c.oid AND d.deptype = 'e')
ORDER BY n.nspname COLLATE "C", c.relname COLLATE "C"
)SQL";

// $1: table oids. Result: table oid, name, type, not null, default, identity, generated,
// type oid, typtype, is array, element type oid, element typtype, element delimiter, comparable
// (the type, or its domain's base type, has an equality operator: not json, xml, geometric).
constexpr const char* columns_sql = R"SQL(
SELECT a.attrelid, a.attname, pg_catalog.format_type(a.atttypid, a.atttypmod), a.attnotnull,
       pg_catalog.pg_get_expr(ad.adbin, ad.adrelid), a.attidentity, a.attgenerated,
       t.oid, t.typtype,
       t.typcategory = 'A' AND t.typelem <> 0 AND t.oid NOT IN (22, 30) AS is_array,
       e.oid, e.typtype, e.typdelim,
       COALESCE(NULLIF(t.typbasetype, 0), t.oid) NOT IN
         (114, 142, 600, 601, 602, 603, 604, 628, 718, 199, 143, 1017, 1018, 1019, 1020, 1027, 629, 719)
FROM pg_catalog.pg_attribute a
JOIN pg_catalog.pg_type t ON t.oid = a.atttypid
LEFT JOIN pg_catalog.pg_type e ON e.oid = t.typelem AND t.typcategory = 'A'
LEFT JOIN pg_catalog.pg_attrdef ad ON ad.adrelid = a.attrelid AND ad.adnum = a.attnum
WHERE a.attrelid = ANY($1::pg_catalog.oid[]) AND a.attnum > 0 AND NOT a.attisdropped
ORDER BY a.attrelid, a.attnum
)SQL";

// $1: table oids. Result: table oid, constraint name, type (p, u), column, WITHOUT OVERLAPS; one
// row per key column. Hole {period}: con.conperiod from PostgreSQL 18 on, else false. Only keys
// are read: the NOT NULL constraints PostgreSQL 18 also lists in pg_constraint (contype 'n') are not.
constexpr const char* keys_sql = R"SQL(
SELECT con.conrelid, con.conname, con.contype, a.attname, {period}
FROM pg_catalog.pg_constraint con
CROSS JOIN LATERAL pg_catalog.unnest(con.conkey) WITH ORDINALITY AS k(attnum, position)
JOIN pg_catalog.pg_attribute a ON a.attrelid = con.conrelid AND a.attnum = k.attnum
WHERE con.conrelid = ANY($1::pg_catalog.oid[]) AND con.contype IN ('p', 'u') AND con.conparentid = 0
ORDER BY con.conrelid, con.contype, con.conname COLLATE "C", k.position
)SQL";

// $1: table oids. Result: table oid, constraint oid, constraint name, deferrable, deferred,
// declared on the table itself, column, referenced schema, referenced table, referenced column;
// one row per key column. A key declared on a partition (at any depth) belongs to the root
// partitioned table, whose rows include the partition's, and a key that references a partition
// references its root. Copies a partition inherits from its parent (conparentid <> 0) are left out.
// Keys declared on the table itself come first, then by name. Then: PERIOD (hole {period}:
// con.conperiod from PostgreSQL 18 on, else false), enforced ({enforced}: con.conenforced from 18
// on, else true).
constexpr const char* foreign_keys_sql = R"SQL(
SELECT owner.oid, con.oid, con.conname, con.condeferrable, con.condeferred, con.conrelid = owner.oid,
       a.attname, rn.nspname, rc.relname, ra.attname, {period}, {enforced}
FROM pg_catalog.pg_constraint con
JOIN pg_catalog.pg_class c ON c.oid = con.conrelid
CROSS JOIN LATERAL (SELECT CASE WHEN c.relispartition THEN pg_catalog.pg_partition_root(c.oid)
                                ELSE c.oid END AS oid) owner
CROSS JOIN LATERAL (SELECT COALESCE(pg_catalog.pg_partition_root(con.confrelid), con.confrelid) AS oid) referenced
CROSS JOIN LATERAL pg_catalog.unnest(con.conkey) WITH ORDINALITY AS k(attnum, position)
JOIN pg_catalog.pg_attribute a ON a.attrelid = con.conrelid AND a.attnum = k.attnum
JOIN pg_catalog.pg_class rc ON rc.oid = referenced.oid
JOIN pg_catalog.pg_namespace rn ON rn.oid = rc.relnamespace
JOIN pg_catalog.pg_attribute ra ON ra.attrelid = con.confrelid AND ra.attnum = con.confkey[k.position]
WHERE con.contype = 'f' AND con.conparentid = 0
  AND (con.conrelid = ANY($1::pg_catalog.oid[]) OR c.relispartition)
  AND owner.oid = ANY($1::pg_catalog.oid[])
ORDER BY owner.oid, con.conrelid <> owner.oid, con.conname COLLATE "C", con.oid, k.position
)SQL";

// $1: table oids. Result: table oid, index name, column; unique indexes that back no constraint,
// on plain columns, without a predicate. One row per key column.
constexpr const char* unique_indexes_sql = R"SQL(
SELECT i.indrelid, ic.relname, a.attname
FROM pg_catalog.pg_index i
JOIN pg_catalog.pg_class ic ON ic.oid = i.indexrelid
CROSS JOIN LATERAL pg_catalog.unnest(i.indkey::pg_catalog.int2[]) WITH ORDINALITY AS k(attnum, position)
JOIN pg_catalog.pg_attribute a ON a.attrelid = i.indrelid AND a.attnum = k.attnum
WHERE i.indrelid = ANY($1::pg_catalog.oid[]) AND i.indisunique AND i.indisvalid AND NOT i.indisprimary
  AND i.indpred IS NULL AND i.indexprs IS NULL AND k.position <= i.indnkeyatts
  AND NOT EXISTS (SELECT 1 FROM pg_catalog.pg_constraint c WHERE c.conindid = i.indexrelid AND c.contype IN ('p', 'u'))
ORDER BY i.indrelid, ic.relname COLLATE "C", k.position
)SQL";

// $1: table oids. Result: table oid, column; the first key column of each valid index without a
// predicate, so a subset knows which references it can look up by index.
constexpr const char* index_leading_columns_sql = R"SQL(
SELECT DISTINCT i.indrelid, a.attname COLLATE "C" AS attname
FROM pg_catalog.pg_index i
JOIN pg_catalog.pg_attribute a ON a.attrelid = i.indrelid AND a.attnum = i.indkey[0]
WHERE i.indrelid = ANY($1::pg_catalog.oid[]) AND i.indisvalid AND i.indpred IS NULL
ORDER BY 1, 2
)SQL";

// $1: table oids. Result: table oid, column, sequence schema, sequence name, owned. Sequences owned
// by a column (serial, OWNED BY) or backing an identity column, then sequences a column's default
// draws from without owning them: an inheritance child's copy of its parent's serial default, or a
// sequence shared by several tables.
constexpr const char* sequences_sql = R"SQL(
SELECT d.refobjid AS table_oid, a.attname AS column_name, sn.nspname AS sequence_schema, s.relname AS sequence_name,
       true AS owned
FROM pg_catalog.pg_depend d
JOIN pg_catalog.pg_class s ON s.oid = d.objid AND s.relkind = 'S'
JOIN pg_catalog.pg_namespace sn ON sn.oid = s.relnamespace
JOIN pg_catalog.pg_attribute a ON a.attrelid = d.refobjid AND a.attnum = d.refobjsubid
WHERE d.classid = 'pg_catalog.pg_class'::pg_catalog.regclass
  AND d.refclassid = 'pg_catalog.pg_class'::pg_catalog.regclass
  AND d.deptype IN ('a', 'i') AND d.refobjid = ANY($1::pg_catalog.oid[])
UNION ALL
SELECT ad.adrelid, a.attname, sn.nspname, s.relname, false
FROM pg_catalog.pg_attrdef ad
JOIN pg_catalog.pg_depend d ON d.classid = 'pg_catalog.pg_attrdef'::pg_catalog.regclass AND d.objid = ad.oid
JOIN pg_catalog.pg_class s ON s.oid = d.refobjid AND s.relkind = 'S'
JOIN pg_catalog.pg_namespace sn ON sn.oid = s.relnamespace
JOIN pg_catalog.pg_attribute a ON a.attrelid = ad.adrelid AND a.attnum = ad.adnum
WHERE d.refclassid = 'pg_catalog.pg_class'::pg_catalog.regclass AND ad.adrelid = ANY($1::pg_catalog.oid[])
ORDER BY owned DESC, table_oid, column_name, sequence_schema, sequence_name
)SQL";

Table* find_table(std::map<uint32_t, Table*>& by_oid, const Result& r, int row) {
  auto it = by_oid.find(static_cast<uint32_t>(r.number(row, 0)));
  return it == by_oid.end() ? nullptr : it->second;
}

void read_columns(Connection& connection, const std::string& oids, std::map<uint32_t, Table*>& by_oid) {
  Result r = connection.exec(columns_sql, {oids});
  for (int i = 0; i < r.rows(); ++i) {
    Table* table = find_table(by_oid, r, i);
    if (!table) continue;
    Column column;
    column.name = r.text(i, 1);
    column.type = r.text(i, 2);
    column.not_null = r.boolean(i, 3);
    column.default_expr = r.optional_text(i, 4);
    std::string_view identity = r.value(i, 5);
    column.identity = identity == "a" ? "always" : identity == "d" ? "by default" : "";
    std::string_view generated = r.value(i, 6);
    column.generated = generated == "s" ? "stored" : generated == "v" ? "virtual" : "";
    bool is_array = r.boolean(i, 9);
    column.encoding = encoding_for_type(static_cast<uint32_t>(r.number(i, 7)), r.value(i, 8)[0], is_array);
    if (is_array) {
      column.element_encoding = encoding_for_type(static_cast<uint32_t>(r.number(i, 10)), r.value(i, 11)[0], false);
      // Arrays whose elements are separated by something other than ',' (box), and arrays of
      // json, whose JSON null elements nested JSON could not tell from SQL NULLs, stay text.
      if (r.value(i, 12) != "," || column.element_encoding == Encoding::json) column.encoding = Encoding::text;
    }
    column.comparable = r.boolean(i, 13);
    column.domain_or_composite =
        r.value(i, 8) == "d" || r.value(i, 8) == "c" || (is_array && (r.value(i, 11) == "d" || r.value(i, 11) == "c"));
    table->columns.push_back(std::move(column));
  }
}

void read_keys(Connection& connection, const std::string& oids, std::map<uint32_t, Table*>& by_oid) {
  Result r = connection.exec(with_version_columns(keys_sql, connection.server_version_num()), {oids});
  std::string last_key;
  for (int i = 0; i < r.rows(); ++i) {
    Table* table = find_table(by_oid, r, i);
    if (!table) continue;
    std::string name = r.text(i, 1);
    char type = r.value(i, 2)[0];
    std::string key = r.text(i, 0) + '/' + type + '/' + name;
    bool first = key != last_key;
    last_key = key;
    bool without_overlaps = r.boolean(i, 4);
    if (type == 'p') {
      table->primary_key.push_back(r.text(i, 3));
      table->primary_key_without_overlaps = without_overlaps;
    } else {
      if (first) table->unique_keys.push_back({name, {}, true, without_overlaps});
      table->unique_keys.back().columns.push_back(r.text(i, 3));
    }
  }
}

bool same_reference(const ForeignKey& a, const ForeignKey& b) {
  return a.columns == b.columns && a.ref_schema == b.ref_schema && a.ref_table == b.ref_table &&
         a.ref_columns == b.ref_columns && a.period == b.period;
}

// Adds a foreign key read from the catalog. One declared on a partition joins an identical one
// already listed (declared on the root, or on another partition): the first name is kept, and it
// is deferrable only when every copy is.
void add_foreign_key(Table& table, ForeignKey fk, bool declared_on_table) {
  if (!declared_on_table) {
    for (auto& existing : table.foreign_keys) {
      if (!same_reference(existing, fk)) continue;
      existing.deferrable = existing.deferrable && fk.deferrable;
      existing.initially_deferred = existing.initially_deferred && fk.initially_deferred;
      existing.enforced = existing.enforced || fk.enforced;
      return;
    }
  }
  table.foreign_keys.push_back(std::move(fk));
}

void read_foreign_keys(Connection& connection, const std::string& oids, std::map<uint32_t, Table*>& by_oid) {
  Result r = connection.exec(with_version_columns(foreign_keys_sql, connection.server_version_num()), {oids});
  for (int i = 0; i < r.rows();) {
    Table* table = find_table(by_oid, r, i);
    std::string_view constraint = r.value(i, 1);
    ForeignKey fk;
    fk.name = r.text(i, 2);
    fk.deferrable = r.boolean(i, 3);
    fk.initially_deferred = r.boolean(i, 4);
    bool declared_on_table = r.boolean(i, 5);
    fk.ref_schema = r.text(i, 7);
    fk.ref_table = r.text(i, 8);
    fk.period = r.boolean(i, 10);
    fk.enforced = r.boolean(i, 11);
    for (; i < r.rows() && r.value(i, 1) == constraint; ++i) {
      fk.columns.push_back(r.text(i, 6));
      fk.ref_columns.push_back(r.text(i, 9));
    }
    if (table) add_foreign_key(*table, std::move(fk), declared_on_table);
  }
}

void read_unique_indexes(Connection& connection, const std::string& oids, std::map<uint32_t, Table*>& by_oid) {
  Result r = connection.exec(unique_indexes_sql, {oids});
  std::string last_key;
  for (int i = 0; i < r.rows(); ++i) {
    Table* table = find_table(by_oid, r, i);
    if (!table) continue;
    std::string key = r.text(i, 0) + '/' + r.text(i, 1);
    if (key != last_key) table->unique_keys.push_back({r.text(i, 1), {}, false});
    last_key = key;
    table->unique_keys.back().columns.push_back(r.text(i, 2));
  }
}

void read_index_leading_columns(Connection& connection, const std::string& oids, std::map<uint32_t, Table*>& by_oid) {
  Result r = connection.exec(index_leading_columns_sql, {oids});
  for (int i = 0; i < r.rows(); ++i)
    if (Table* table = find_table(by_oid, r, i)) table->index_leading_columns.push_back(r.text(i, 1));
}

void read_sequences(Connection& connection, const std::string& oids, std::map<uint32_t, Table*>& by_oid) {
  Result r = connection.exec(sequences_sql, {oids});
  for (int i = 0; i < r.rows(); ++i) {
    Table* table = find_table(by_oid, r, i);
    if (!table) continue;
    // The sequence a column owns comes first and stays; one it only draws from fills the gap.
    bool owned = r.boolean(i, 4);
    for (auto& column : table->columns)
      if (column.name == r.value(i, 1) && (owned || !column.sequence))
        column.sequence = quote_qualified(r.value(i, 2), r.value(i, 3));
  }
}

}  // namespace

// PostgreSQL 18 added pg_constraint.conperiod and conenforced; older servers have neither.
std::string with_version_columns(const char* sql, int server_version_num) {
  bool v18 = server_version_num >= 180000;
  std::string out = sql;
  for (auto [hole, value] : {std::pair<std::string, std::string>{"{period}", v18 ? "con.conperiod" : "false"},
                             {"{enforced}", v18 ? "con.conenforced" : "true"}})
    if (size_t at = out.find(hole); at != std::string::npos) out.replace(at, hole.size(), value);
  return out;
}

std::vector<Table> read_catalog(Connection& connection) {
  std::vector<Table> tables;
  Result r = connection.exec(tables_sql);
  for (int i = 0; i < r.rows(); ++i) {
    Table table;
    table.oid = static_cast<uint32_t>(r.number(i, 0));
    table.schema = r.text(i, 1);
    table.name = r.text(i, 2);
    table.partitioned = r.value(i, 3) == "p";
    tables.push_back(std::move(table));
  }
  std::map<uint32_t, Table*> by_oid;
  std::vector<std::string> oid_list;
  for (auto& table : tables) {
    by_oid[table.oid] = &table;
    oid_list.push_back(std::to_string(table.oid));
  }
  std::string oids = text_array_literal(oid_list);
  read_columns(connection, oids, by_oid);
  read_keys(connection, oids, by_oid);
  read_foreign_keys(connection, oids, by_oid);
  read_unique_indexes(connection, oids, by_oid);
  read_index_leading_columns(connection, oids, by_oid);
  read_sequences(connection, oids, by_oid);
  return tables;
}

namespace {

// $1: table oids. Result: sequence oid, sequence schema, sequence name, table oid, column,
// integer column (int2, int4, int8, numeric, or a domain over one), the column's default.
// One row per column of those tables that draws from a sequence: the sequence is owned by the
// column (serial, OWNED BY), backs it as an identity, or is named in its default
// (nextval('s'), found through pg_depend of the default, deptype 'n'), whoever owns it.
constexpr const char* sequence_uses_sql = R"SQL(
SELECT s.oid, sn.nspname, s.relname, a.attrelid, a.attname,
       COALESCE(NULLIF(t.typbasetype, 0), t.oid) IN (20, 21, 23, 1700),
       pg_catalog.pg_get_expr(ad.adbin, ad.adrelid)
FROM (SELECT d.objid AS sequence, d.refobjid AS rel, d.refobjsubid AS attnum
      FROM pg_catalog.pg_depend d
      WHERE d.classid = 'pg_catalog.pg_class'::pg_catalog.regclass
        AND d.refclassid = 'pg_catalog.pg_class'::pg_catalog.regclass
        AND d.deptype IN ('a', 'i') AND d.refobjsubid > 0 AND d.refobjid = ANY($1::pg_catalog.oid[])
      UNION
      SELECT d.refobjid, ad.adrelid, ad.adnum
      FROM pg_catalog.pg_attrdef ad
      JOIN pg_catalog.pg_depend d ON d.classid = 'pg_catalog.pg_attrdef'::pg_catalog.regclass AND d.objid = ad.oid
      WHERE d.refclassid = 'pg_catalog.pg_class'::pg_catalog.regclass AND d.deptype = 'n'
        AND ad.adrelid = ANY($1::pg_catalog.oid[])) u
JOIN pg_catalog.pg_class s ON s.oid = u.sequence AND s.relkind = 'S'
JOIN pg_catalog.pg_namespace sn ON sn.oid = s.relnamespace
JOIN pg_catalog.pg_attribute a ON a.attrelid = u.rel AND a.attnum = u.attnum AND NOT a.attisdropped
JOIN pg_catalog.pg_type t ON t.oid = a.atttypid
JOIN pg_catalog.pg_class r ON r.oid = a.attrelid
JOIN pg_catalog.pg_namespace rn ON rn.oid = r.relnamespace
LEFT JOIN pg_catalog.pg_attrdef ad ON ad.adrelid = a.attrelid AND ad.adnum = a.attnum
ORDER BY sn.nspname COLLATE "C", s.relname COLLATE "C", rn.nspname COLLATE "C", r.relname COLLATE "C", a.attnum
)SQL";

}  // namespace

std::vector<SequenceUse> read_sequence_uses(Connection& connection, const std::vector<uint32_t>& table_oids) {
  std::vector<std::string> oid_list;
  for (uint32_t oid : table_oids) oid_list.push_back(std::to_string(oid));
  Result r = connection.exec(sequence_uses_sql, {text_array_literal(oid_list)});
  std::vector<SequenceUse> uses;
  for (int i = 0; i < r.rows(); ++i) {
    SequenceUse use;
    use.sequence_oid = static_cast<uint32_t>(r.number(i, 0));
    use.sequence = quote_qualified(r.value(i, 1), r.value(i, 2));
    use.table_oid = static_cast<uint32_t>(r.number(i, 3));
    use.column = r.text(i, 4);
    use.integer_column = r.boolean(i, 5);
    use.default_expr = r.optional_text(i, 6);
    uses.push_back(std::move(use));
  }
  return uses;
}

}  // namespace pgtote
