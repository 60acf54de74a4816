// Matching snapshot tables and columns to the target's catalog.
#include "pgtote/import_plan.h"

#include <algorithm>

#include "pgtote/error.h"
#include "pgtote/sql_quote.h"

namespace pgtote {

namespace {

// The target's key to match rows on: its primary key, else its first unique key (by name)
// whose columns are all NOT NULL; both must be among the written columns.
void choose_key(TablePlan& plan) {
  const Table& target = *plan.target;
  auto written = [&](const std::vector<std::string>& columns) { return writes_all(plan, columns); };
  if (!target.primary_key.empty() && written(target.primary_key)) {
    plan.key = target.primary_key;
    plan.key_source = "primary key";
  } else {
    std::vector<const UniqueKey*> candidates;
    for (const auto& unique : target.unique_keys) {
      bool not_null = std::all_of(unique.columns.begin(), unique.columns.end(), [&](const std::string& c) {
        const Column* column = target.find_column(c);
        return column && column->not_null;
      });
      if (not_null && written(unique.columns)) candidates.push_back(&unique);
    }
    std::sort(candidates.begin(), candidates.end(), [](auto* a, auto* b) { return a->name < b->name; });
    if (!candidates.empty()) {
      plan.key = candidates.front()->columns;
      plan.key_source = (candidates.front()->constraint ? "unique key " : "unique index ") + candidates.front()->name;
    } else {
      plan.key_source = "whole row";
    }
  }
  for (auto& column : plan.columns)
    column.in_key = std::find(plan.key.begin(), plan.key.end(), column.name) != plan.key.end();
}

}  // namespace

bool writes_all(const TablePlan& plan, const std::vector<std::string>& columns) {
  return std::all_of(columns.begin(), columns.end(), [&](const std::string& c) {
    return std::any_of(plan.columns.begin(), plan.columns.end(), [&](const ImportColumn& w) { return w.name == c; });
  });
}

std::vector<size_t> converted_columns(const TablePlan& plan) {
  std::vector<size_t> out;
  for (size_t i = 0; i < plan.columns.size(); ++i)
    if (!plan.columns[i].narrowed_from.empty()) out.push_back(i);
  return out;
}

std::string raw_column(const TablePlan& plan, size_t n) { return plan.row_column + "_raw" + std::to_string(n); }

std::string table_ref(const Table& table) {
  return (table.partitioned ? "" : "ONLY ") + quote_qualified(table.schema, table.name);
}

TablePlan plan_table(const Table& snapshot, size_t position, const std::vector<Table>& target_tables,
                     const TableSelection& selection, bool ignore_missing_columns) {
  TablePlan plan;
  plan.snapshot = snapshot;
  plan.position = position;
  plan.stage = "pgtote_stage_" + std::to_string(position);
  if (auto reason = selection_excludes(snapshot, selection, true)) {
    plan.skipped = true;
    plan.skip_reason = *reason;
    return plan;
  }
  auto target = std::find_if(target_tables.begin(), target_tables.end(),
                             [&](const Table& t) { return t.schema == snapshot.schema && t.name == snapshot.name; });
  if (target == target_tables.end())
    throw Error(ExitCode::drift,
                "table " + snapshot.qualified_name() +
                    " is in the snapshot but not in the target database (create it, or leave it out with -T)");
  plan.target = &*target;
  for (size_t i = 0; i < snapshot.columns.size(); ++i) {
    const Column& source = snapshot.columns[i];
    const Column* column = target->find_column(source.name);
    if (!column && ignore_missing_columns) continue;
    if (!column)
      throw Error(ExitCode::drift, "column " + snapshot.qualified_name() + "." + source.name +
                                       " is in the snapshot but not in the target table (add it to the target first)");
    if (!column->generated.empty()) continue;  // the server computes it
    ImportColumn written;
    written.name = column->name;
    written.snapshot_index = i;
    written.encoding = source.encoding;
    written.element_encoding = source.element_encoding;
    written.comparable = column->comparable;
    written.not_null = column->not_null;
    written.identity_always = column->identity == "always";
    // A domain or composite of the same name may still be defined narrower in the target.
    if (source.type != column->type || column->domain_or_composite) written.narrowed_from = source.type;
    plan.columns.push_back(std::move(written));
  }
  choose_key(plan);
  while (std::any_of(plan.columns.begin(), plan.columns.end(),
                     [&](const ImportColumn& c) { return c.name.rfind(plan.row_column, 0) == 0; }))
    plan.row_column += "_";
  size_t staged_columns = plan.columns.size() + converted_columns(plan).size();
  if (staged_columns > max_table_columns)
    throw Error(ExitCode::drift, "table " + snapshot.qualified_name() + ": " +
                                     std::to_string(converted_columns(plan).size()) +
                                     " of its columns change type in the target, and a table this wide leaves "
                                     "no room to check those values (give them the snapshot's types)");
  plan.rows_by_position = staged_columns + 1 > max_table_columns;
  for (const auto& fk : target->foreign_keys)
    if (fk.ref_schema == target->schema && fk.ref_table == target->name && writes_all(plan, fk.columns))
      plan.self_referencing = true;
  return plan;
}

}  // namespace pgtote
