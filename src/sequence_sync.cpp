// Sequences after an import: which columns draw from each (catalog), their highest and lowest
// numbers (one query per sequence), and the move (sequence_placement); see sequence_sync.h.
#include "pgtote/sequence_sync.h"

#include <map>

#include "pgtote/catalog.h"
#include "pgtote/error.h"
#include "pgtote/sequence_placement.h"
#include "pgtote/sql_quote.h"

namespace pgtote {

namespace {

// Holes: {sequence} (quoted name), {sources} (a UNION ALL of the sources below). $1: the
// sequence's oid; the sources bind $2 on. Result: increment, minvalue, maxvalue, last_value,
// is_called, the highest and the lowest number the columns hold (decimal text; NULL, no rows).
constexpr const char* sequence_state_sql = R"SQL(
SELECT s.seqincrement, s.seqmin, s.seqmax, q.last_value, q.is_called,
       pg_catalog.ceil(x.highest)::pg_catalog.text, pg_catalog.floor(x.lowest)::pg_catalog.text
FROM pg_catalog.pg_sequence s
CROSS JOIN {sequence} q
CROSS JOIN (SELECT pg_catalog.max(u.high), pg_catalog.min(u.low) FROM ({sources}) u(high, low)) x(highest, lowest)
WHERE s.seqrelid = $1::pg_catalog.oid
)SQL";

// Holes: {column}, {table}. Result: the column's highest and lowest value (an index answers).
constexpr const char* value_source_sql = R"SQL(
SELECT pg_catalog.max({column})::pg_catalog.numeric, pg_catalog.min({column})::pg_catalog.numeric FROM {table}
)SQL";

// Holes: {column}, {table}, {prefix}, {suffix} (bound text parameters). Result: the highest and
// lowest number found between the prefix and the suffix; other values are no generated ones.
constexpr const char* embedded_source_sql = R"SQL(
SELECT pg_catalog.max(o.v), pg_catalog.min(o.v) FROM (
  SELECT CASE WHEN i.m ~ '^-?[0-9]+$' THEN i.m::pg_catalog.numeric END FROM (
    SELECT CASE WHEN pg_catalog.length(t.c) > pg_catalog.length({prefix}) + pg_catalog.length({suffix})
                 AND pg_catalog.left(t.c, pg_catalog.length({prefix})) = {prefix}
                 AND pg_catalog.right(t.c, pg_catalog.length({suffix})) = {suffix}
                THEN pg_catalog.substr(t.c, pg_catalog.length({prefix}) + 1,
                                       pg_catalog.length(t.c) - pg_catalog.length({prefix}) - pg_catalog.length({suffix}))
           END
    FROM (SELECT {column}::pg_catalog.text FROM {table}) t(c)) i(m)) o(v)
)SQL";

// $1: the sequence's oid, $2: the value it last handed out.
constexpr const char* setval_sql = R"SQL(
SELECT pg_catalog.setval($1::pg_catalog.oid::pg_catalog.regclass, $2::pg_catalog.int8, true)
)SQL";

// `sql` with each {hole} replaced in one pass (a value is never searched for holes again).
std::string fill(std::string_view sql, const std::map<std::string, std::string>& holes) {
  std::string out;
  for (size_t i = 0; i < sql.size(); ++i) {
    size_t close = sql[i] == '{' ? sql.find('}', i) : std::string_view::npos;
    auto it = close == std::string_view::npos ? holes.end() : holes.find(std::string(sql.substr(i + 1, close - i - 1)));
    if (it == holes.end()) {
      out += sql[i];
      continue;
    }
    out += it->second;
    i = close;
  }
  return out;
}

// One column drawing from the sequence being placed.
struct Source {
  const TablePlan* plan = nullptr;
  SequenceUse use;
  SequenceReading reading;
};

bool writes(const TablePlan& plan, const std::string& column) {
  for (const auto& c : plan.columns)
    if (c.name == column) return true;
  return false;
}

std::string why_unreadable(const Source& source) {
  const auto& expr = source.use.default_expr;
  if (!expr) return "the column is not an integer and its default does not name the sequence";
  if (source.use.integer_column) return "its default " + *expr + " is not nextval() alone";
  return "its values are embedded in text in a way pgtote cannot read back (default " + *expr + ")";
}

// The UNION ALL of every readable source's highest and lowest, binding prefixes and suffixes.
std::string sources_sql(const std::vector<Source>& sources, bool dry_run,
                        std::vector<std::optional<std::string>>& params) {
  std::string out;
  auto add = [&](const Source& source, const std::string& table) {
    std::map<std::string, std::string> holes{{"column", quote_ident(source.use.column)}, {"table", table}};
    const char* sql = value_source_sql;
    if (source.reading.kind == SequenceReading::Kind::embedded) {
      params.push_back(source.reading.prefix);
      holes["prefix"] = "$" + std::to_string(params.size()) + "::pg_catalog.text";
      params.push_back(source.reading.suffix);
      holes["suffix"] = "$" + std::to_string(params.size()) + "::pg_catalog.text";
      sql = embedded_source_sql;
    }
    out += (out.empty() ? "" : " UNION ALL ") + fill(sql, holes);
  };
  for (const auto& source : sources) {
    add(source, table_ref(*source.plan->target));
    // A dry run merged nothing: the staged rows stand for what the import would write.
    if (dry_run && !source.plan->direct && writes(*source.plan, source.use.column))
      add(source, quote_ident(source.plan->stage));
  }
  return out;
}

std::string bound_words(const SequencePlacement& placement, const SequenceState& state) {
  if (!placement.exhausted) return "";
  return state.increment > 0
             ? " (no value is left below its maxvalue " + std::to_string(state.maximum) + ": the next nextval() fails)"
             : " (no value is left above its minvalue " + std::to_string(state.minimum) + ": the next nextval() fails)";
}

// Reads the sequence and its columns' numbers, then moves it (unless a dry run). One note, or none.
std::optional<std::string> place(Connection& connection, const std::string& sequence, uint32_t oid,
                                 const std::vector<Source>& sources, bool dry_run) {
  std::vector<std::optional<std::string>> params{std::to_string(oid)};
  std::string sources_text = sources_sql(sources, dry_run, params);
  Result r = connection.exec(fill(sequence_state_sql, {{"sequence", sequence}, {"sources", sources_text}}), params);
  if (r.rows() != 1) return "could not place sequence " + sequence + ": it has no settings in pg_sequence";
  SequenceState state;
  state.increment = r.number(0, 0);
  state.minimum = r.number(0, 1);
  state.maximum = r.number(0, 2);
  state.last_value = r.number(0, 3);
  state.is_called = r.boolean(0, 4);
  state.highest = r.optional_text(0, 5);
  state.lowest = r.optional_text(0, 6);
  SequencePlacement placement = place_sequence(state);
  if (placement.action == SequencePlacement::Action::cannot)
    return "could not place sequence " + sequence + ": " + placement.why;
  if (placement.action == SequencePlacement::Action::stays) return std::nullopt;
  if (!dry_run) connection.exec(setval_sql, {std::to_string(oid), std::to_string(placement.value)});
  return std::string(dry_run ? "would move" : "moved") + " sequence " + sequence +
         (state.increment > 0 ? " up to " : " down to ") + std::to_string(placement.value) +
         bound_words(placement, state);
}

}  // namespace

std::vector<std::string> sync_sequences(Connection& connection, const std::vector<TablePlan>& plans, bool dry_run) {
  std::map<uint32_t, const TablePlan*> plan_of;
  std::vector<uint32_t> oids;
  for (const auto& plan : plans)
    if (!plan.skipped && plan.target) {
      plan_of[plan.target->oid] = &plan;
      oids.push_back(plan.target->oid);
    }
  std::vector<std::string> notes;
  if (oids.empty()) return notes;
  std::vector<SequenceUse> uses = read_sequence_uses(connection, oids);
  for (size_t first = 0; first < uses.size();) {
    size_t end = first;
    std::vector<Source> sources;
    for (; end < uses.size() && uses[end].sequence_oid == uses[first].sequence_oid; ++end) {
      Source source{plan_of.at(uses[end].table_oid), uses[end],
                    read_sequence_default(uses[end].integer_column, uses[end].default_expr)};
      if (source.reading.kind != SequenceReading::Kind::unknown) {
        sources.push_back(std::move(source));
        continue;
      }
      notes.push_back("could not place sequence " + source.use.sequence + " for " +
                      source.plan->target->qualified_name() + "." + source.use.column + ": " + why_unreadable(source) +
                      "; set it with setval('" + source.use.sequence + "', n) yourself");
    }
    const std::string& sequence = uses[first].sequence;
    uint32_t oid = uses[first].sequence_oid;
    first = end;
    if (sources.empty()) continue;
    // A sequence this role may not read or move is named, not fatal: the rows are in.
    connection.exec("SAVEPOINT pgtote_sequence");
    try {
      if (auto note = place(connection, sequence, oid, sources, dry_run)) notes.push_back(*note);
      connection.exec("RELEASE SAVEPOINT pgtote_sequence");
    } catch (const Error& e) {
      connection.exec("ROLLBACK TO SAVEPOINT pgtote_sequence");
      notes.push_back("could not place sequence " + sequence + ": " + e.what());
    }
  }
  return notes;
}

}  // namespace pgtote
