// PostgreSQL text form <-> snapshot JSON, per column encoding (docs/snapshot-format.md, "Values").
// Lossless both ways: decode(encode(text)) == text for every built-in type.
#pragma once

#include <cstdint>
#include <string>
#include <string_view>

#include "pgtote/json_value.h"
#include "pgtote/json_writer.h"
#include "pgtote/schema_model.h"
#include "pgtote/snapshot_format.h"

namespace pgtote {

// Picks the encoding of a type from pg_type facts: its oid and typtype ('b' base, 'd' domain...).
Encoding encoding_for_type(uint32_t type_oid, char typtype, bool is_array);

// Writes one non-NULL value, given in PostgreSQL's text form, as JSON.
void encode_value(Encoding encoding, Encoding element_encoding, std::string_view text, JsonWriter& out);

// Turns a snapshot value, from a snapshot of `format_version`, back into PostgreSQL's text form.
// Returns false for NULL. Throws std::invalid_argument with a short reason when the value does not
// fit the encoding.
bool decode_value(Encoding encoding, Encoding element_encoding, const JsonValue& value, std::string& out,
                  int format_version = snapshot::format_version);

std::string base64_encode(std::string_view bytes);
// Throws std::invalid_argument on malformed input.
std::string base64_decode(std::string_view text);

}  // namespace pgtote
