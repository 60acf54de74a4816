// Which transform each column of an export gets, decided from the AnonymizeSpec and the catalog
// before any row is read: rules by glob, keys followed through foreign keys (declared and virtual),
// strict mode, and the select list that evaluates `sql` transforms on the source. Pure; no server.
#pragma once

#include <string>
#include <vector>

#include "pgtote/anonymize_spec.h"
#include "pgtote/json_path_rewrite.h"
#include "pgtote/schema_model.h"
#include "pgtote/snapshot_format.h"
#include "pgtote/subset_spec.h"
#include "pgtote/value_transforms.h"

namespace pgtote {

struct JsonPathTransform {
  std::string path_text;  // "$.card.last4"
  JsonPath path;
  TransformKind kind = TransformKind::keep;
  std::string value;
};

struct ColumnAnonymization {
  std::string name;  // "schema.table.column", for messages
  TransformKind kind = TransformKind::keep;
  std::string value;  // value: the text to write; sql: the expression
  std::vector<JsonPathTransform> json_paths;
  ValueShape shape;
  // "schema.table.column" of the unique column whose outputs this column's must not collide
  // with (the column itself, or the key it references); empty: no collision bookkeeping.
  std::string unique_domain;
  std::string follows;  // "schema.table.column" of the key column this one references, when inherited
  // A reference (unique_domain is another column's) in a table read after its key's table: it
  // takes the output its key's value claimed, and claims none itself, so its outputs do not depend
  // on the order in which tables are read.
  bool looks_up = false;
};

struct TableAnonymization {
  std::vector<ColumnAnonymization> columns;  // in the table's column order
  bool any_client_side() const;              // a transform the exporter applies to COPY's values
};

struct AnonymizePlan {
  std::vector<TableAnonymization> tables;  // one per table, in the order given
  std::vector<AnonymizedColumn> transformed;
  std::vector<std::string> notes;  // rules and keep patterns that matched no column
  // Per table: the earlier tables whose outputs its looks_up columns take; read once they are.
  std::vector<std::vector<size_t>> read_after;
  // A unique domain's outputs are claimed from several tables (a reference read before its key's
  // table, or whose key's table is not exported): collisions are resolved in first-seen order, so
  // the export reads one table at a time to keep that order fixed.
  bool shared_domains = false;
};

// Throws Error(usage) naming every problem at once: strict mode's columns without a rule, a
// transform that cannot keep a column's type, a rule that would break a foreign key or a unique
// key, malformed rules. An empty spec gives an empty plan (no table changes).
AnonymizePlan plan_anonymization(const AnonymizeSpec& spec, const std::vector<const Table*>& tables,
                                 const std::vector<VirtualForeignKey>& virtual_foreign_keys = {});

// How the source reads a column with an `sql` transform: `CAST((expression) AS type)`, so its
// type stays the column's.
std::string sql_transform_expression(const Column& column, const ColumnAnonymization& transform);

// The select list that reads `table` for export: each column quoted, except those with an `sql`
// transform, read as `sql_transform_expression(...) AS "column"`.
std::vector<std::string> anonymized_select_list(const Table& table, const TableAnonymization& plan);

}  // namespace pgtote
