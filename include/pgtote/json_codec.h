// json and jsonb values in a snapshot: the exact text as nested JSON, or a marker object where
// nested JSON would lose it (docs/snapshot-format.md, "json and jsonb"). Part of value_codec.
#pragma once

#include <string>
#include <string_view>

#include "pgtote/json_value.h"
#include "pgtote/json_writer.h"

namespace pgtote {

// Does this JSON text start like a pgtote marker: an object whose first member name is
// literally "$pgtote"? The writer wraps every such stored value, so markers never collide.
bool starts_like_marker(std::string_view json);

// Writes one json/jsonb value, given as the server prints it.
void encode_json(std::string_view text, JsonWriter& out);

// Appends the exact text of a json/jsonb value read from a snapshot of `format_version`. Throws
// std::invalid_argument when it is not valid JSON or is a marker this version does not have.
void decode_json(const JsonValue& value, int format_version, std::string& out);

}  // namespace pgtote
