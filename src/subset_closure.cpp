// The subset closure, computed in the client: each step is one SELECT per edge and batch of keys,
// bound as text arrays (a table read in one scan: one COPY, keys inlined); what came back is
// deduplicated by row identity in memory.
#include "pgtote/subset_closure.h"

#include <optional>
#include <thread>
#include <unordered_map>
#include <unordered_set>

#include "pgtote/copy_text.h"
#include "pgtote/row_spool.h"

namespace pgtote {

namespace {

constexpr size_t batch_size = 5000;  // keys bound per query
// Keys per edge inlined in one scan that reads whole rows, on PostgreSQL 14+ (= ANY, hashed);
// older servers take batch_size: their x IN (...) OR y IN (...) over lists too big to hash in
// work_mem compares each row with the whole list.
constexpr size_t whole_batch_size = 100000;
constexpr char null_marker = '\xff';  // never in UTF-8 text

void append_value(std::string& out, const std::optional<std::string_view>& value) {
  if (value)
    out.append(*value);
  else
    out.push_back(null_marker);
  out.push_back('\0');
}

// Values at `positions`, as one key, or nullopt when one is NULL (such a reference holds nothing).
std::optional<std::vector<std::string>> values_at(const std::vector<std::optional<std::string>>& values,
                                                  const std::vector<size_t>& positions) {
  std::vector<std::string> out;
  for (size_t p : positions) {
    if (!values[p]) return std::nullopt;
    out.push_back(*values[p]);
  }
  return out;
}

// The keys [start, end) bound as one text array per key column (`columns` of them), appended.
void append_key_arrays(const std::vector<std::vector<std::string>>& keys, size_t start, size_t end, size_t columns,
                       std::vector<std::optional<std::string>>& params) {
  for (size_t column = 0; column < columns; ++column) {
    std::vector<std::string> values;
    for (size_t k = start; k < end; ++k) values.push_back(keys[k][column]);
    params.push_back(text_array_literal(values));
  }
}

std::string join_key(const std::vector<std::string>& key) {
  std::string out;
  for (const auto& value : key) append_value(out, value);
  return out;
}

// The first of `edges` whose keys (`keys[i]`, joined) the row's values match. The server matched
// with its types' equality; here the text is compared, which a citext or numeric value spelled
// otherwise ('Bob' for 'bob', 1.0 for 1) misses: such a row is counted for the first edge.
size_t matching_edge(const std::vector<std::optional<std::string>>& values, const std::vector<const SubsetEdge*>& edges,
                     const std::vector<std::unordered_set<std::string>>& keys) {
  for (size_t i = 0; i < edges.size(); ++i) {
    if (edges[i]->when_value && values[*edges[i]->when_value] != std::optional<std::string>("t")) continue;
    auto key = values_at(values, edges[i]->child_values);
    if (key && keys[i].count(join_key(*key))) return i;
  }
  return 0;
}

// Where the row's `fields`th field starts: after that many tabs (COPY escapes those in values).
size_t field_start(std::string_view row, size_t fields) {
  size_t at = 0;
  for (size_t f = 0; f < fields; ++f) at = row.find('\t', at) + 1;
  return at;
}

class Closure {
 public:
  Closure(Connection& connection, const SubsetGraph& graph, const std::vector<ExportPlan>& plans,
          const std::vector<bool>& read_whole, const std::function<Connection()>& open_reader)
      : connection_(connection),
        open_reader_(open_reader),
        graph_(graph),
        plans_(plans),
        tables_(graph.tables.size()),
        asked_(graph.edges.size()),
        down_done_(graph.edges.size()),
        one_scan_(read_in_one_scan(graph)),
        by_filter_(read_by_filter(graph)),
        whole_(read_whole) {
    whole_.resize(graph.tables.size(), false);
    // A null_outside reference's value depends on the whole subset: such a table is read at the end.
    for (const auto& edge : graph.edges)
      if (edge.null_outside) whole_[edge.child] = false;
  }

  SubsetRows run() {
    for (const auto& start : graph_.start) {
      if (whole_[start.table] && !start.limit) {
        size_t reason = reason_slot(tables_[start.table], "start");
        add_whole_rows(start.table, subset_start_whole_rows_sql(graph_, start, plans_[start.table]),
                       [&](const auto&) { return reason; });
      } else {
        add_rows(start.table, connection_.exec(subset_start_sql(graph_, start)), "start");
      }
    }
    // Downward: children of every row found so far (start rows and descendants only). Child tables
    // in dependency order, so a table's parents have their rows of this pass before it is read.
    for (bool more = true; more;) {
      more = false;
      for (size_t child = 0; child < tables_.size(); ++child) {
        if (one_scan_[child]) continue;  // once every other table's rows are found, below
        std::vector<size_t> scanned;     // edges read together, in one scan of the child table
        for (size_t e = 0; e < graph_.edges.size(); ++e) {
          const SubsetEdge& edge = graph_.edges[e];
          if (edge.child != child || !edge.follow_down || down_done_[e] == tables_[edge.parent].rows.size()) continue;
          more = true;
          if (scanned_edge(graph_, edge)) {
            scanned.push_back(e);
            continue;
          }
          auto keys = new_down_keys(e);
          query(subset_children_sql(graph_, edge), keys, edge.child,
                "child of " + graph_.tables[edge.parent]->qualified_name(),
                recursive_edge(edge) ? &asked_[e].down : nullptr, edge.parent_values);
        }
        if (!scanned.empty()) query_children(child, scanned);
      }
    }
    for (size_t t = 0; t < tables_.size(); ++t) {
      if (!one_scan_[t]) continue;
      std::vector<size_t> edges;
      for (size_t e = 0; e < graph_.edges.size(); ++e)
        if (graph_.edges[e].child == t && graph_.edges[e].follow_down) edges.push_back(e);
      if (by_filter_[t]) {  // the export reads it, with the filter: nothing to find
        const SubsetEdge& edge = graph_.edges[edges.front()];
        tables_[t].filter = subset_children_filter(graph_, t, {&edge}, {new_down_keys(edges.front())});
        reason_slot(tables_[t], "child of " + graph_.tables[edge.parent]->qualified_name());
        continue;
      }
      query_children(t, edges);
    }
    read_filtered_tables_behind();
    // Upward: parents of every included row, transitively; they pull in no children. Children
    // first, so a parent table has the keys of all its children before its own parents are read.
    for (bool more = true; more;) {
      more = false;
      for (size_t t = tables_.size(); t-- > 0;) {
        State& state = tables_[t];
        if (state.up_done == state.rows.size()) continue;
        size_t from = state.up_done, to = state.rows.size();
        state.up_done = to;
        more = true;
        for (size_t e = 0; e < graph_.edges.size(); ++e) {
          const SubsetEdge& edge = graph_.edges[e];
          if (edge.child != t || edge.null_outside) continue;
          auto keys =
              new_keys(t, from, to, edge.child_values, edge.when_value ? &*edge.when_value : nullptr, asked_[e].up);
          if (references_identity(edge))
            std::erase_if(keys, [&](const auto& key) { return included(edge.parent, key); });
          if (keys.empty()) continue;
          query(subset_parents_sql(graph_, edge), keys, edge.parent,
                "parent of " + graph_.tables[edge.child]->qualified_name(),
                recursive_edge(edge) ? &asked_[e].up : nullptr, edge.child_values);
        }
      }
    }
    behind_.finish();
    if (behind_.unopened)
      for (auto& state : tables_)
        if (!state.filter.empty()) state.whole_rows.reset();
    SubsetRows result;
    for (auto& state : tables_) {
      SubsetTableRows rows;
      rows.rows = std::move(state.rows);
      rows.whole = std::move(state.whole);
      rows.whole_rows = std::move(state.whole_rows);
      rows.filter = std::move(state.filter);
      for (size_t r = 0; r < state.reason_names.size(); ++r)
        rows.reasons.emplace_back(state.reason_names[r], state.reason_counts[r]);
      result.tables.push_back(std::move(rows));
    }
    return result;
  }

 private:
  struct State {
    std::unordered_set<std::string> identities;
    std::vector<std::string> rows;
    std::vector<std::string> reason_names;
    std::vector<uint64_t> reason_counts;
    size_t up_done = 0;
    std::shared_ptr<RowSpool> whole_rows;  // the rows read whole, as the plan's select list gives them
    std::vector<bool> whole;               // per row: it is in whole_rows
    std::string filter;                    // read_by_filter: the rows are those it holds for
  };
  struct Asked {
    std::unordered_set<std::string> down, up;  // keys already looked up through the edge
  };

  void add_rows(size_t table, const Result& result, const std::string& reason) {
    size_t reason_index = SIZE_MAX;
    add_rows_with(table, result, [&](const std::string&) {
      if (reason_index == SIZE_MAX) reason_index = reason_slot(tables_[table], reason);
      return reason_index;
    });
  }

  // `reason_of(row)`: the slot of the reason a new row (encoded) was included for.
  template <typename ReasonOf>
  void add_rows_with(size_t table, const Result& result, ReasonOf reason_of) {
    State& state = tables_[table];
    size_t identity_size = graph_.shapes[table].identity_size;
    for (int i = 0; i < result.rows(); ++i) {
      std::string row;
      auto value = [&](int c) { return result.is_null(i, c) ? std::nullopt : std::optional(result.value(i, c)); };
      for (size_t c = 0; c < identity_size; ++c) append_value(row, value(static_cast<int>(c)));
      if (!state.identities.insert(row).second) continue;
      for (int c = static_cast<int>(identity_size); c < result.columns(); ++c) append_value(row, value(c));
      ++state.reason_counts[reason_of(row)];
      state.rows.push_back(std::move(row));
      state.whole.push_back(false);
    }
  }

  // Runs `sql` (the plan's select list, then the subset values) as COPY: each row not included
  // before goes whole to the table's spool and, by its subset values, into the closure.
  // `reason_of(values)`: the slot of the reason a new row (its subset values) was included for.
  template <typename ReasonOf>
  void add_whole_rows(size_t table, const std::string& sql, ReasonOf reason_of) {
    State& state = tables_[table];
    size_t exported = plans_[table].select_list.size(), identity_size = graph_.shapes[table].identity_size;
    auto copy = connection_.copy_out("COPY (" + sql + ") TO STDOUT");
    for (std::string_view row; copy.next_row(row);) {
      size_t values_start = field_start(row, exported);
      CopyRowFields fields(row.substr(values_start));
      std::vector<std::optional<std::string>> values;
      std::string encoded, identity;
      std::string_view value;
      for (bool null = false; fields.next(value, null);) {
        values.push_back(null ? std::nullopt : std::optional<std::string>(value));
        append_value(encoded, values.back());
        if (values.size() == identity_size) identity = encoded;
      }
      if (!state.identities.insert(identity).second) continue;
      if (!state.whole_rows) {
        if (!spool_file_) spool_file_ = std::make_shared<SpoolFile>();
        state.whole_rows = std::make_shared<RowSpool>(spool_file_);
      }
      state.whole_rows->append(values_start ? row.substr(0, values_start - 1) : std::string_view());
      ++state.reason_counts[reason_of(values)];
      state.rows.push_back(std::move(encoded));
      state.whole.push_back(true);
    }
  }

  // The tables read_by_filter, read whole by a thread on a second connection while this one
  // walks up to the parents; finish() waits for it (the destructor too, when the walk failed).
  struct ReadBehind {
    std::thread thread;
    std::exception_ptr error;
    bool unopened = false;  // no second connection: nothing was read
    void finish() {
      if (thread.joinable()) thread.join();
      if (error) std::rethrow_exception(std::exchange(error, nullptr));
    }
    ~ReadBehind() {
      if (thread.joinable()) thread.join();
    }
  };
  void read_filtered_tables_behind() {
    std::vector<std::pair<std::string, std::shared_ptr<RowSpool>>> reads;  // COPY, and where its rows go
    for (size_t t = 0; t < tables_.size(); ++t) {
      if (!open_reader_ || tables_[t].filter.empty() || !whole_[t]) continue;
      if (!spool_file_) spool_file_ = std::make_shared<SpoolFile>();
      tables_[t].whole_rows = std::make_shared<RowSpool>(spool_file_);
      ExportPlan plan = plans_[t];
      plan.filter = tables_[t].filter;
      reads.emplace_back("COPY (" + plan.sql() + ") TO STDOUT", tables_[t].whole_rows);
    }
    if (reads.empty()) return;
    behind_.thread = std::thread([this, reads] {
      std::optional<Connection> reader;
      try {
        reader.emplace(open_reader_());
      } catch (const Error&) {  // e.g. too many connections: the export reads them, with their filter
        behind_.unopened = true;
        return;
      }
      try {
        for (const auto& [sql, spool] : reads) {
          auto copy = reader->copy_out(sql);
          for (std::string_view row; copy.next_row(row);)
            spool->append(row.substr(0, row.size() - (row.ends_with('\n') ? 1 : 0)));
        }
        reader->exec("COMMIT");
      } catch (...) {
        behind_.error = std::current_exception();
      }
    });
  }

  // The edge's parent columns are its parent's row identity, in order: a reference whose text is
  // an included row's identity needs no lookup (other spellings, 'Bob' for a citext 'bob', do).
  bool references_identity(const SubsetEdge& edge) const {
    if (edge.parent_values.size() != graph_.shapes[edge.parent].identity_size) return false;
    for (size_t i = 0; i < edge.parent_values.size(); ++i)
      if (edge.parent_values[i] != i) return false;
    return true;
  }
  bool included(size_t table, const std::vector<std::string>& identity) const {
    return tables_[table].identities.count(join_key(identity)) > 0;
  }

  // The parent keys of edge `e` not looked up before, from the parent rows it has not walked yet.
  std::vector<std::vector<std::string>> new_down_keys(size_t e) {
    const SubsetEdge& edge = graph_.edges[e];
    size_t from = down_done_[e], to = tables_[edge.parent].rows.size();
    down_done_[e] = to;
    return new_keys(edge.parent, from, to, edge.parent_values, nullptr, asked_[e].down);
  }

  // The children through several edges into one table (all scanned_edge), read in one scan: whole
  // rows with the keys inlined (COPY), else their subset values per batch of bound keys. Each new
  // row is counted for the first edge whose keys (of that batch) it matches.
  void query_children(size_t child, const std::vector<size_t>& edge_numbers) {
    std::vector<const SubsetEdge*> edges;
    std::vector<std::vector<std::vector<std::string>>> keys;
    std::vector<size_t> reasons;
    size_t batches = 0;
    for (size_t e : edge_numbers) {
      edges.push_back(&graph_.edges[e]);
      keys.push_back(new_down_keys(e));
      reasons.push_back(SIZE_MAX);
      batches = std::max(batches, (keys.back().size() + batch_size - 1) / batch_size);
    }
    auto reason = [&](size_t matched) {
      if (reasons[matched] == SIZE_MAX)
        reasons[matched] =
            reason_slot(tables_[child], "child of " + graph_.tables[edges[matched]->parent]->qualified_name());
      return reasons[matched];
    };
    if (whole_[child]) {
      size_t cap = graph_.hashed_arrays ? whole_batch_size : batch_size, whole_batches = 0;
      for (const auto& edge_keys : keys) whole_batches = std::max(whole_batches, (edge_keys.size() + cap - 1) / cap);
      for (size_t batch = 0; batch < whole_batches; ++batch) {
        std::vector<std::vector<std::vector<std::string>>> slices(edges.size());
        std::vector<std::unordered_set<std::string>> key_sets(edges.size());
        for (size_t i = 0; i < edges.size(); ++i) {
          size_t start = std::min(keys[i].size(), batch * cap), end = std::min(keys[i].size(), start + cap);
          slices[i].assign(keys[i].begin() + start, keys[i].begin() + end);
          for (const auto& key : slices[i]) key_sets[i].insert(join_key(key));
        }
        add_whole_rows(child, subset_whole_rows_sql(graph_, child, plans_[child], edges, slices),
                       [&](const auto& values) { return reason(matching_edge(values, edges, key_sets)); });
      }
      return;
    }
    std::string sql = subset_children_sql(graph_, edges);
    for (size_t batch = 0; batch < batches; ++batch) {
      std::vector<std::optional<std::string>> params;
      std::vector<std::unordered_set<std::string>> batch_keys(edges.size());
      for (size_t i = 0; i < edges.size(); ++i) {
        size_t start = std::min(keys[i].size(), batch * batch_size);
        size_t end = std::min(keys[i].size(), start + batch_size);
        for (size_t k = start; k < end; ++k) batch_keys[i].insert(join_key(keys[i][k]));
        append_key_arrays(keys[i], start, end, edges[i]->child_columns.size(), params);
      }
      add_rows_with(child, connection_.exec(sql, params), [&](const std::string& row) {
        return reason(matching_edge(decode_subset_row(row), edges, batch_keys));
      });
    }
  }

  static size_t reason_slot(State& state, const std::string& reason) {
    for (size_t r = 0; r < state.reason_names.size(); ++r)
      if (state.reason_names[r] == reason) return r;
    state.reason_names.push_back(reason);
    state.reason_counts.push_back(0);
    return state.reason_names.size() - 1;
  }

  // The keys at `positions` of rows [from, to) not looked up before (and, for a virtual edge, whose
  // `when` flag holds).
  std::vector<std::vector<std::string>> new_keys(size_t table, size_t from, size_t to,
                                                 const std::vector<size_t>& positions, const size_t* when,
                                                 std::unordered_set<std::string>& asked) {
    std::vector<std::vector<std::string>> keys;
    for (size_t r = from; r < to; ++r) {
      auto values = decode_subset_row(tables_[table].rows[r]);
      if (when && values[*when] != std::optional<std::string>("t")) continue;
      auto key = values_at(values, positions);
      if (key && asked.insert(join_key(*key)).second) keys.push_back(std::move(*key));
    }
    return keys;
  }

  // `walked`: for a recursive edge, the keys the query has already followed from the rows it
  // returned (their values at `positions`), so they are not looked up again.
  void query(const std::string& sql, const std::vector<std::vector<std::string>>& keys, size_t table,
             const std::string& reason, std::unordered_set<std::string>* walked, const std::vector<size_t>& positions) {
    for (size_t start = 0; start < keys.size(); start += batch_size) {
      size_t end = std::min(keys.size(), start + batch_size);
      std::vector<std::optional<std::string>> params;
      append_key_arrays(keys, start, end, keys[start].size(), params);
      Result result = connection_.exec(sql, params);
      if (walked)
        for (int i = 0; i < result.rows(); ++i) {
          std::string key;
          bool null = false;
          for (size_t p : positions) {
            null = null || result.is_null(i, static_cast<int>(p));
            append_value(key, result.value(i, static_cast<int>(p)));
          }
          if (!null) walked->insert(key);
        }
      add_rows(table, result, reason);
    }
  }

  Connection& connection_;
  const std::function<Connection()>& open_reader_;  // empty: one connection
  const SubsetGraph& graph_;
  const std::vector<ExportPlan>& plans_;
  std::vector<State> tables_;
  std::vector<Asked> asked_;
  std::vector<size_t> down_done_;          // per edge: the parent rows whose children were looked up
  std::vector<bool> one_scan_;             // per table: read_in_one_scan
  std::vector<bool> by_filter_;            // per table: read_by_filter
  std::vector<bool> whole_;                // per table: scans read whole rows (see find_subset_rows)
  std::shared_ptr<SpoolFile> spool_file_;  // made with the first row read whole
  ReadBehind behind_;                      // last: destroyed first, its thread joined before the rest goes
};

}  // namespace

std::vector<std::optional<std::string>> decode_subset_row(std::string_view row) {
  std::vector<std::optional<std::string>> values;
  for (size_t start = 0; start < row.size();) {
    size_t end = row.find('\0', start);
    std::string_view value = row.substr(start, end - start);
    if (value.size() == 1 && value[0] == null_marker)
      values.push_back(std::nullopt);
    else
      values.emplace_back(value);
    start = end + 1;
  }
  return values;
}

SubsetRows find_subset_rows(Connection& connection, const SubsetGraph& graph, const std::vector<ExportPlan>& plans,
                            const std::vector<bool>& read_whole, const std::function<Connection()>& open_reader) {
  return Closure(connection, graph, plans, read_whole, open_reader).run();
}

std::vector<SubsetCut> apply_subset(std::vector<ExportPlan>& plans, const SubsetGraph& graph, const SubsetRows& rows) {
  for (size_t t = 0; t < graph.tables.size(); ++t) {
    const auto& shape = graph.shapes[t];
    std::vector<TypedExpression> identity(shape.values.begin(), shape.values.begin() + shape.identity_size);
    std::vector<std::vector<std::string>> tuples;
    std::vector<size_t> positions;
    for (size_t k = 0; k < shape.identity_size; ++k) positions.push_back(k);
    const auto& table = rows.tables[t];
    if (!table.filter.empty()) {  // read already (whole_rows), or by the export with the filter
      plans[t].filter = table.whole_rows ? "false" : table.filter;
      plans[t].rows_read = table.whole_rows;
      continue;
    }
    for (size_t r = 0; r < table.rows.size(); ++r)
      if (r >= table.whole.size() || !table.whole[r])
        if (auto key = values_at(decode_subset_row(table.rows[r]), positions)) tuples.push_back(std::move(*key));
    plans[t].filter = tuple_in_sql(identity, tuples);
    plans[t].rows_read = rows.tables[t].whole_rows;
  }
  std::vector<SubsetCut> cuts;
  for (const auto& edge : graph.edges) {
    if (!edge.null_outside) continue;
    std::vector<std::vector<std::string>> parents;
    std::unordered_set<std::string> parent_keys;
    for (const auto& row : rows.tables[edge.parent].rows)
      if (auto key = values_at(decode_subset_row(row), edge.parent_values))
        if (parent_keys.insert(join_key(*key)).second) parents.push_back(std::move(*key));
    uint64_t cut = 0;
    for (const auto& row : rows.tables[edge.child].rows)
      if (auto key = values_at(decode_subset_row(row), edge.child_values)) cut += !parent_keys.count(join_key(*key));
    if (cut == 0) continue;
    const Table& child = *graph.tables[edge.child];
    std::vector<TypedExpression> columns;
    for (size_t p : edge.child_values) columns.push_back(graph.shapes[edge.child].values[p]);
    std::string kept = tuple_in_sql(columns, parents);
    for (size_t i = 0; i < child.columns.size(); ++i)
      for (const auto& column : edge.child_columns)
        if (child.columns[i].name == column)
          plans[edge.child].select_list[i] = "CASE WHEN " + kept + " THEN " + plans[edge.child].select_list[i] + " END";
    cuts.push_back({child.schema, child.name, edge.foreign_key, edge.child_columns, cut});
  }
  return cuts;
}

}  // namespace pgtote
