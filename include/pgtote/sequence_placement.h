// Where a sequence must stand after an import, decided without a server: how a column's values
// relate to its sequence (read from the column's default), and where the sequence goes.
#pragma once

#include <cstdint>
#include <optional>
#include <string>
#include <string_view>

namespace pgtote {

// How a column's values relate to the numbers its sequence hands out.
struct SequenceReading {
  enum class Kind {
    value,     // the column holds the numbers themselves (serial, identity, nextval('s'))
    embedded,  // text: prefix || the number || suffix ('ORD-' || nextval('s'))
    unknown,   // any other default: pgtote cannot tell which numbers were used
  };
  Kind kind = Kind::unknown;
  std::string prefix;  // embedded: constant text before and after the number
  std::string suffix;
};

// Reads pg_get_expr's form of a column default. `integer_column`: int2/int4/int8/numeric.
// No default (identity, or a sequence OWNED BY the column) reads as the value itself.
SequenceReading read_sequence_default(bool integer_column, const std::optional<std::string>& default_expr);

// A sequence's settings and position, with the highest and lowest number the imported columns
// hold (decimal text, integral, any size; absent when there are no rows).
struct SequenceState {
  int64_t increment = 1;
  int64_t minimum = 1;
  int64_t maximum = INT64_MAX;
  int64_t last_value = 1;
  bool is_called = false;
  std::optional<std::string> highest;
  std::optional<std::string> lowest;
};

struct SequencePlacement {
  enum class Action { stays, moves, cannot };
  Action action = Action::stays;
  int64_t value = 0;       // moves: setval(sequence, value, true)
  bool exhausted = false;  // moves: the next nextval() passes the bound (and fails unless CYCLE)
  std::string why;         // cannot: the reason, for the user
};

// An ascending sequence moves up until its next value is above the highest number, a descending
// one down until it is below the lowest; never the other way, never past its own bounds.
SequencePlacement place_sequence(const SequenceState& state);

}  // namespace pgtote
