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
    connection.exec("SAVEPOINT pgtote_batch");
    try {
      Result r = connection.exec(import_sql::merge(group, keep_existing, first, last));
      connection.exec("SET CONSTRAINTS ALL IMMEDIATE");  // deferred keys fail here, inside the batch
      connection.exec("RELEASE SAVEPOINT pgtote_batch");
      for (size_t g = 0; g < group.size(); ++g) {
        counts.updated[g] += static_cast<uint64_t>(r.number(0, static_cast<int>(2 * g)));
        counts.inserted[g] += static_cast<uint64_t>(r.number(0, static_cast<int>(2 * g + 1)));
      }
      return;
    } catch (const Error& e) {
      if (e.code() == ExitCode::connection) throw;
      connection.exec("ROLLBACK TO SAVEPOINT pgtote_batch");
      connection.exec("RELEASE SAVEPOINT pgtote_batch");
      if (first == last) return reject(first, e.server());
    }
    uint64_t middle = first + (last - first) / 2;
    run(first, middle);
    run(middle + 1, last);
  }

  void reject(uint64_t row, const ServerError& server) {
    std::string message = server.message + (server.detail.empty() ? "" : " (" + server.detail + ")");
    for (const TablePlan* plan : group) {
      Result values = connection.exec(import_sql::row_json(*plan, row));
      if (values.rows() == 0) continue;  // this table has no row with that number
      rejected.push_back({plan->snapshot.qualified_name(), row, message, values.text(0, 0), server});
    }
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
