// Bisection of failing batches. A batch of n rows with k bad ones costs about k·log2(n) tries,
// never one statement per row for the whole table.
#include "pgtote/resilient_merge.h"

#include "pgtote/error.h"
#include "pgtote/import_sql.h"
#include "pgtote/json_writer.h"

namespace pgtote {

namespace {

struct Bisection {
  Connection& connection;
  const std::vector<const TablePlan*>& group;
  bool keep_existing;
  std::vector<RejectedRow>& rejected;
  MergeCounts counts;

  // Tries rows [first, last]; on failure, halves the range. Returns nothing: counts accumulate.
  void run(uint64_t first, uint64_t last) {
    std::vector<import_sql::MergeParts> all(group.size());
    ServerError refusal;
    if (attempt(first, last, all, refusal)) return;
    if (first == last) return isolate(first, refusal, all);
    uint64_t middle = first + (last - first) / 2;
    run(first, middle);
    run(middle + 1, last);
  }

  // One try under a savepoint: the merge of rows [first, last] of the tables `parts` keeps.
  bool attempt(uint64_t first, uint64_t last, const std::vector<import_sql::MergeParts>& parts, ServerError& refusal) {
    connection.exec("SAVEPOINT pgtote_batch");
    try {
      Result r = connection.exec(import_sql::merge(group, keep_existing, first, last, parts));
      connection.exec("SET CONSTRAINTS ALL IMMEDIATE");  // deferred keys fail here, inside the batch
      connection.exec("RELEASE SAVEPOINT pgtote_batch");
      for (size_t g = 0; g < group.size(); ++g) {
        counts.updated[g] += static_cast<uint64_t>(r.number(0, static_cast<int>(2 * g)));
        counts.inserted[g] += static_cast<uint64_t>(r.number(0, static_cast<int>(2 * g + 1)));
      }
      return true;
    } catch (const Error& e) {
      if (e.code() == ExitCode::connection) throw;
      connection.exec("ROLLBACK TO SAVEPOINT pgtote_batch");
      connection.exec("RELEASE SAVEPOINT pgtote_batch");
      refusal = e.server();
      return false;
    }
  }

  // Row number `row` fails. In a cycle's group each table has its own row with that number:
  // the table the server names is blamed alone and the others' rows are tried again without it,
  // so a good row is never rejected for its namesake in another table. When the server names
  // no table of the group (a trigger, a partition), every remaining row with the number goes.
  void isolate(uint64_t row, const ServerError& server, std::vector<import_sql::MergeParts> parts) {
    size_t active = 0, blamed = group.size();
    for (size_t g = 0; g < group.size(); ++g) {
      if (!parts[g].insert && !parts[g].update) continue;
      ++active;
      if (group[g]->target->schema == server.schema && group[g]->target->name == server.table) blamed = g;
    }
    if (active <= 1 || blamed == group.size()) {
      for (size_t g = 0; g < group.size(); ++g)
        if (parts[g].insert || parts[g].update) reject(row, *group[g], server);
      return;
    }
    reject(row, *group[blamed], server);
    parts[blamed] = {false, false};
    ServerError again;
    if (!attempt(row, row, parts, again)) isolate(row, again, parts);
  }

  void reject(uint64_t row, const TablePlan& plan, const ServerError& server) {
    std::string message = server.message + (server.detail.empty() ? "" : " (" + server.detail + ")");
    Result values = connection.exec(import_sql::row_json(plan, row));
    if (values.rows() == 0) return;  // this table has no row with that number
    rejected.push_back({plan.snapshot.qualified_name(), row, message, values.text(0, 0), server});
  }
};

}  // namespace

MergeCounts merge_resilient(Connection& connection, const std::vector<const TablePlan*>& group, bool keep_existing,
                            uint64_t last_row, std::vector<RejectedRow>& rejected) {
  Bisection bisection{connection, group, keep_existing, rejected, {}};
  bisection.counts.updated.assign(group.size(), 0);
  bisection.counts.inserted.assign(group.size(), 0);
  if (last_row > 0) bisection.run(1, last_row);
  return bisection.counts;
}

std::string reject_lines(const std::vector<RejectedRow>& rejected) {
  std::string out;
  for (const auto& r : rejected) {
    out += json_to_string([&](JsonWriter& w) {
      w.start_object();
      w.key("table");
      w.string(r.table);
      w.key("row");
      w.integer(static_cast<int64_t>(r.row));
      w.key("error");
      w.string(r.error);
      w.key("values");
      w.json_text(r.values);
      w.end_object();
    });
    out += '\n';
  }
  return out;
}

}  // namespace pgtote
