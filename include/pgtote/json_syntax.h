// Checks json column values, which the snapshot reader hands over as unparsed text so that any
// nesting depth and any escape PostgreSQL's json type keeps (lone surrogates) reads back.
#pragma once

#include <string_view>

namespace pgtote {

// True when `text` is exactly one JSON value, surrounding whitespace allowed, as PostgreSQL's
// json type accepts it: RFC 8259 grammar, any \uXXXX escape (lone surrogates and \u0000
// included), nesting to any depth (checked without recursion).
bool is_json_text(std::string_view text);

}  // namespace pgtote
