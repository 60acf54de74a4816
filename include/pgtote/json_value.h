// A parsed JSON value as the snapshot reader hands it over: small, owning, independent of the
// JSON library, so value decoding is tested without a parser.
#pragma once

#include <string>
#include <vector>

namespace pgtote {

struct JsonValue {
  enum class Type { null, boolean, number, string, array, object };
  Type type = Type::null;
  std::string raw;   // the exact JSON text of the value (numbers: the token as written)
  std::string text;  // strings: the unescaped value
  bool boolean = false;
  std::vector<JsonValue> items;  // arrays: the elements; marker objects: the member values
  // Objects that start like a pgtote marker ({"$pgtote": ...) in a json column: the member names,
  // paired with `items` (read one level deep). Empty for every other object.
  std::vector<std::string> keys;
};

}  // namespace pgtote
