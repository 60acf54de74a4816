// Reading a column default's relation to its sequence, and placing the sequence; see
// sequence_placement.h. Only shapes whose numbers read back exactly are accepted.
#include "pgtote/sequence_placement.h"

#include <array>
#include <vector>

namespace pgtote {

namespace {

constexpr size_t none = std::string_view::npos;

std::string_view trim(std::string_view s) {
  while (!s.empty() && s.front() == ' ') s.remove_prefix(1);
  while (!s.empty() && s.back() == ' ') s.remove_suffix(1);
  return s;
}

// Just past the string literal ('...', quotes doubled) that starts at `i`, or `none`.
size_t literal_end(std::string_view s, size_t i) {
  if (i >= s.size() || s[i] != '\'') return none;
  for (size_t j = i + 1; j < s.size(); ++j) {
    if (s[j] != '\'') continue;
    if (j + 1 < s.size() && s[j + 1] == '\'') {
      ++j;
      continue;
    }
    return j + 1;
  }
  return none;
}

// Positions of `token` outside literals and parentheses; `ok` false when `s` is unbalanced.
std::vector<size_t> top_level(std::string_view s, std::string_view token, bool& ok) {
  std::vector<size_t> found;
  int depth = 0;
  ok = true;
  for (size_t i = 0; i < s.size(); ++i) {
    if (s[i] == '\'') {
      size_t end = literal_end(s, i);
      if (end == none) return ok = false, found;
      i = end - 1;
    } else if (s[i] == '(') {
      ++depth;
    } else if (s[i] == ')') {
      if (--depth < 0) return ok = false, found;
    } else if (depth == 0 && !token.empty() && s.substr(i, token.size()) == token) {
      found.push_back(i);
    }
  }
  if (depth != 0) ok = false;
  return found;
}

// Casts that keep a number's canonical decimal text (no typmod: no truncation, no padding).
bool harmless_cast(std::string_view type) {
  constexpr std::array<std::string_view, 6> types = {"text",   "character varying", "integer",
                                                     "bigint", "smallint",          "numeric"};
  for (auto t : types)
    if (type == t) return true;
  return false;
}

// One layer of "(x)" or "x::type" removed, or nothing when `s` has neither.
std::optional<std::string_view> unwrap(std::string_view s) {
  bool ok = false;
  if (s.size() >= 2 && s.front() == '(' && s.back() == ')') {
    std::string_view inner = s.substr(1, s.size() - 2);
    top_level(inner, "", ok);  // balanced inside: the outer parentheses are one pair
    if (ok) return inner;
  }
  auto casts = top_level(s, "::", ok);
  if (ok && !casts.empty() && harmless_cast(trim(s.substr(casts.back() + 2)))) return s.substr(0, casts.back());
  return std::nullopt;
}

// The operands of a chain of `||`, each unwrapped; false when an operand is not a plain one.
bool concat_operands(std::string_view s, std::vector<std::string_view>& out) {
  s = trim(s);
  bool ok = false;
  auto bars = top_level(s, " || ", ok);
  if (!ok) return false;
  if (bars.empty()) {
    if (auto inner = unwrap(s)) return concat_operands(*inner, out);
    out.push_back(s);
    return true;
  }
  size_t from = 0;
  for (size_t bar : bars) {
    if (!concat_operands(s.substr(from, bar - from), out)) return false;
    from = bar + 4;
  }
  return concat_operands(s.substr(from), out);
}

std::optional<std::string> literal_value(std::string_view s) {
  if (literal_end(s, 0) != s.size()) return std::nullopt;
  std::string value;
  for (size_t i = 1; i + 1 < s.size(); ++i) {
    value += s[i];
    if (s[i] == '\'') ++i;  // a doubled quote stands for one
  }
  return value;
}

bool is_nextval(std::string_view s) {
  constexpr std::string_view open = "nextval(", close = "::regclass)";
  if (s.substr(0, open.size()) != open) return false;
  size_t end = literal_end(s, open.size());
  return end != none && s.substr(end) == close;
}

// Decimal text as a number, saturating far beyond any bigint (only comparisons need it).
std::optional<__int128> parse_number(const std::string& text) {
  size_t i = text.size() > 0 && text[0] == '-' ? 1 : 0;
  if (i == text.size()) return std::nullopt;
  __int128 value = 0, limit = static_cast<__int128>(1) << 100;
  for (; i < text.size(); ++i) {
    if (text[i] < '0' || text[i] > '9') return std::nullopt;
    if (value < limit) value = value * 10 + (text[i] - '0');
  }
  return text[0] == '-' ? -value : value;
}

}  // namespace

SequenceReading read_sequence_default(bool integer_column, const std::optional<std::string>& default_expr) {
  SequenceReading reading;
  if (!default_expr) {
    if (integer_column) reading.kind = SequenceReading::Kind::value;
    return reading;
  }
  std::vector<std::string_view> operands;
  if (!concat_operands(*default_expr, operands)) return reading;
  int calls = 0;
  std::string prefix, suffix;
  for (auto operand : operands) {
    if (is_nextval(operand)) {
      ++calls;
    } else if (auto text = literal_value(operand)) {
      (calls == 0 ? prefix : suffix) += *text;
    } else {
      return reading;
    }
  }
  if (calls != 1) return reading;
  if (integer_column) {
    if (operands.size() == 1) reading.kind = SequenceReading::Kind::value;
    return reading;
  }
  reading.kind = SequenceReading::Kind::embedded;
  reading.prefix = std::move(prefix);
  reading.suffix = std::move(suffix);
  return reading;
}

SequencePlacement place_sequence(const SequenceState& state) {
  SequencePlacement placement;
  bool ascending = state.increment > 0;
  const auto& extreme = ascending ? state.highest : state.lowest;
  if (!extreme) return placement;
  auto number = parse_number(*extreme);
  if (!number) {
    placement.action = SequencePlacement::Action::cannot;
    placement.why = "the imported values give no number (" + *extreme + ")";
    return placement;
  }
  __int128 next = static_cast<__int128>(state.last_value) + (state.is_called ? state.increment : 0);
  if (ascending ? *number < next : *number > next) return placement;  // its next value is free already
  if (ascending && *number > state.maximum) {
    placement.action = SequencePlacement::Action::cannot;
    placement.why = "the imported values reach " + *extreme + ", above its maxvalue " + std::to_string(state.maximum);
    return placement;
  }
  if (!ascending && *number < state.minimum) {
    placement.action = SequencePlacement::Action::cannot;
    placement.why = "the imported values reach " + *extreme + ", below its minvalue " + std::to_string(state.minimum);
    return placement;
  }
  placement.action = SequencePlacement::Action::moves;
  placement.value = static_cast<int64_t>(*number);
  __int128 after = *number + state.increment;
  placement.exhausted = ascending ? after > state.maximum : after < state.minimum;
  return placement;
}

}  // namespace pgtote
