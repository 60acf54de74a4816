// Reading column defaults and placing sequences, without a server: the shapes pg_get_expr
// prints, ascending and descending sequences, their bounds, and never moving back.
#include "pgtote/sequence_placement.h"

#include <doctest/doctest.h>

using namespace pgtote;

namespace {

using Kind = SequenceReading::Kind;
using Action = SequencePlacement::Action;

SequenceReading read(bool integer_column, const char* expr) {
  return read_sequence_default(integer_column, expr ? std::optional<std::string>(expr) : std::nullopt);
}

SequenceState ascending(int64_t last_value, bool is_called, std::optional<std::string> highest) {
  SequenceState state;
  state.last_value = last_value;
  state.is_called = is_called;
  state.highest = std::move(highest);
  state.lowest = std::string("-7");  // never looked at for an ascending sequence
  return state;
}

SequenceState descending(int64_t last_value, bool is_called, std::optional<std::string> lowest) {
  SequenceState state;
  state.increment = -1;
  state.minimum = -1000;
  state.maximum = -1;
  state.last_value = last_value;
  state.is_called = is_called;
  state.lowest = std::move(lowest);
  state.highest = std::string("500");  // never looked at for a descending sequence
  return state;
}

}  // namespace

TEST_CASE("integer columns read as the sequence's numbers only through nextval() alone") {
  CHECK(read(true, nullptr).kind == Kind::value);  // identity, or OWNED BY without a default
  CHECK(read(true, "nextval('orders_id_seq'::regclass)").kind == Kind::value);
  CHECK(read(true, "(nextval('s'::regclass))::integer").kind == Kind::value);
  CHECK(read(true, "nextval('\"Odd \"\"seq\"\"\"'::regclass)").kind == Kind::value);
  CHECK(read(true, "(nextval('s'::regclass) + 1000)").kind == Kind::unknown);
  CHECK(read(true, "(nextval('a'::regclass) + nextval('b'::regclass))").kind == Kind::unknown);
  CHECK(read(true, "(('1'::text || nextval('s'::regclass)))::integer").kind == Kind::unknown);
  CHECK(read(true, "nextval('s'::text)").kind == Kind::unknown);
}

TEST_CASE("text columns read the number between a constant prefix and suffix") {
  SequenceReading order = read(false, "('ORD-'::text || nextval('order_no_seq'::regclass))");
  CHECK(order.kind == Kind::embedded);
  CHECK(order.prefix == "ORD-");
  CHECK(order.suffix == "");

  SequenceReading both = read(false, "(('A''b || c'::text || nextval('s'::regclass)) || '-X'::character varying)");
  CHECK(both.kind == Kind::embedded);
  CHECK(both.prefix == "A'b || c");
  CHECK(both.suffix == "-X");

  SequenceReading bare = read(false, "(nextval('s'::regclass))::text");
  CHECK(bare.kind == Kind::embedded);
  CHECK(bare.prefix.empty());
  CHECK(bare.suffix.empty());
}

TEST_CASE("text shapes whose numbers do not read back exactly are unknown") {
  CHECK(read(false, "lpad((nextval('s'::regclass))::text, 6, '0'::text)").kind == Kind::unknown);
  CHECK(read(false, "('L'::text || to_char(nextval('s'::regclass), 'FM0000'::text))").kind == Kind::unknown);
  CHECK(read(false, "(nextval('s'::regclass))::character varying(3)").kind == Kind::unknown);  // truncates
  CHECK(read(false, "(nextval('a'::regclass) || nextval('b'::regclass))").kind == Kind::unknown);
  CHECK(read(false, "(E'\\\\x'::text || nextval('s'::regclass))").kind == Kind::unknown);
  CHECK(read(false, "('unbalanced'::text || nextval('s'::regclass)").kind == Kind::unknown);
  CHECK(read(false, nullptr).kind == Kind::unknown);
}

TEST_CASE("an ascending sequence moves up to the highest number, never down, never past maxvalue") {
  SequencePlacement fresh = place_sequence(ascending(1, false, "5"));
  CHECK(fresh.action == Action::moves);
  CHECK(fresh.value == 5);
  CHECK_FALSE(fresh.exhausted);
  CHECK(place_sequence(ascending(1, false, "1")).action == Action::moves);  // its next value 1 is taken
  CHECK(place_sequence(ascending(1, false, "0")).action == Action::stays);
  CHECK(place_sequence(ascending(500, true, "10")).action == Action::stays);  // ahead already
  CHECK(place_sequence(ascending(10, true, "10")).action == Action::stays);   // next is 11
  CHECK(place_sequence(ascending(1, false, std::nullopt)).action == Action::stays);

  SequenceState bounded = ascending(1, false, "100");
  bounded.maximum = 99;
  SequencePlacement over = place_sequence(bounded);
  CHECK(over.action == Action::cannot);
  CHECK(over.why == "the imported values reach 100, above its maxvalue 99");
  bounded.highest = "99";
  SequencePlacement last = place_sequence(bounded);
  CHECK(last.action == Action::moves);
  CHECK(last.exhausted);

  CHECK(place_sequence(ascending(1, false, "123456789012345678901234567890")).action == Action::cannot);
  CHECK(place_sequence(ascending(1, false, "-123456789012345678901234567890")).action == Action::stays);
  SequencePlacement top = place_sequence(ascending(1, false, "9223372036854775807"));
  CHECK(top.action == Action::moves);
  CHECK(top.value == INT64_MAX);
  CHECK(top.exhausted);
}

TEST_CASE("a descending sequence moves down to the lowest number, never up, never past minvalue") {
  SequencePlacement fresh = place_sequence(descending(-1, false, "-5"));
  CHECK(fresh.action == Action::moves);
  CHECK(fresh.value == -5);
  CHECK(place_sequence(descending(-1, false, "-1")).action == Action::moves);
  CHECK(place_sequence(descending(-1, false, "3")).action == Action::stays);
  CHECK(place_sequence(descending(-50, true, "-10")).action == Action::stays);  // further down already
  SequencePlacement below = place_sequence(descending(-1, false, "-1001"));
  CHECK(below.action == Action::cannot);
  CHECK(below.why == "the imported values reach -1001, below its minvalue -1000");
  SequencePlacement last = place_sequence(descending(-1, false, "-1000"));
  CHECK(last.action == Action::moves);
  CHECK(last.exhausted);
}
