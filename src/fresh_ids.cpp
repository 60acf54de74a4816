// Fresh ids from a sequence's state; see fresh_ids.h.
#include "pgtote/fresh_ids.h"

namespace pgtote {

bool draws_from_sequence(const Column& column) {
  return column.sequence && (!column.identity.empty() ||
                             (column.default_expr && column.default_expr->find("nextval(") != std::string::npos));
}

std::vector<std::optional<std::string>> sequence_start(Connection& connection, const std::string& sequence) {
  // $1: the sequence. Result: its last value, whether it was handed out, its increment.
  Result state = connection.exec(
      "SELECT last_value, is_called, (SELECT s.seqincrement FROM pg_catalog.pg_sequence s WHERE s.seqrelid = "
      "$1::pg_catalog.regclass) FROM " +
          sequence,
      {sequence});
  long long last = state.number(0, 0), step = state.number(0, 2);
  bool called = state.text(0, 1) == "t";
  return {std::to_string(called ? last : last - step), std::to_string(step)};
}

std::string sequence_ids(const std::string& order, const std::string& type) {
  return "($1::bigint + $2::bigint * pg_catalog.row_number() OVER (ORDER BY " + order + "))::" + type;
}

}  // namespace pgtote
