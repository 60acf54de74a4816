// Rewrites chosen leaves of one JSON text by path (`$.card.last4`, `$.items[0].sku`, `$.tags[*]`),
// copying everything else byte for byte: the json transform of anonymization. No server needed.
#pragma once

#include <functional>
#include <string>
#include <string_view>
#include <vector>

namespace pgtote {

struct JsonPathStep {
  enum class Kind { key, index, any } kind = Kind::key;
  std::string key;
  size_t index = 0;
};
using JsonPath = std::vector<JsonPathStep>;

// "$", then `.name`, `["name"]`, `[n]`, `[*]` or `.*` steps. Throws std::invalid_argument naming
// the problem.
JsonPath parse_json_path(std::string_view text);

// Called for each value a path reaches: `path` is the index into `paths`, `leaf` the value's JSON
// text; returns the JSON text to write in its place.
using JsonLeafRewrite = std::function<std::string(size_t path, std::string_view leaf)>;

// `json`: one valid JSON value (as PostgreSQL prints json or jsonb). Values no path reaches, and
// paths that reach nothing, leave the text unchanged. The first path that reaches a value wins.
// Nesting deeper than the longest path is copied without recursion. Throws std::invalid_argument
// on malformed JSON.
std::string rewrite_json_paths(std::string_view json, const std::vector<JsonPath>& paths,
                               const JsonLeafRewrite& rewrite);

// The text of a JSON string literal ("a\"b" -> a"b); other JSON text is returned as is.
std::string json_string_contents(std::string_view json);
// A JSON string literal holding `text`.
std::string json_string_literal(std::string_view text);

}  // namespace pgtote
