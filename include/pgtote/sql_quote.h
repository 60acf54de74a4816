// The one place identifiers become SQL text: every schema, table and column name is quoted here.
#pragma once

#include <string>
#include <string_view>
#include <vector>

namespace pgtote {

// "name" with embedded double quotes doubled; safe for any name, including non-ASCII.
std::string quote_ident(std::string_view name);
// "schema"."name"
std::string quote_qualified(std::string_view schema, std::string_view name);
// "a", "b", "c"
std::string quote_ident_list(const std::vector<std::string>& names);
// E'text' with quotes and backslashes escaped, whatever standard_conforming_strings says: for the
// few values that cannot be bound (COPY (SELECT ...) takes no parameters).
std::string quote_literal(std::string_view text);

}  // namespace pgtote
