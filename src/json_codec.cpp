// Nested JSON cannot say everything a json value holds: JSON null would read as SQL NULL, and
// whitespace around the value is layout. Those values, and stored objects that look like the
// markers, travel as marker objects; everything else, at any depth, is embedded as is.
#include "pgtote/json_codec.h"

#include <stdexcept>

#include "pgtote/json_syntax.h"
#include "pgtote/snapshot_format.h"

namespace pgtote {

namespace {

constexpr std::string_view marker_key = "$pgtote";
constexpr std::string_view json_null_marker = R"({"$pgtote":"json-null"})";

bool is_space(char c) { return c == ' ' || c == '\t' || c == '\n' || c == '\r'; }

// The marker's kind ("json-null", "json-text") when `value` is a marker object, else empty.
std::string_view marker_kind(const JsonValue& value) {
  if (value.type != JsonValue::Type::object || value.keys.empty() || value.keys[0] != marker_key) return {};
  const JsonValue& kind = value.items[0];
  return kind.type == JsonValue::Type::string ? std::string_view(kind.text) : std::string_view("?");
}

}  // namespace

bool starts_like_marker(std::string_view json) {
  if (json.empty() || json[0] != '{') return false;
  size_t i = 1;
  while (i < json.size() && is_space(json[i])) ++i;
  return json.substr(i, marker_key.size() + 2) == "\"$pgtote\"";
}

void encode_json(std::string_view text, JsonWriter& out) {
  if (text == "null") return out.json_text(json_null_marker);
  bool padded = !text.empty() && (is_space(text.front()) || is_space(text.back()));
  if (!padded && !starts_like_marker(text)) return out.json_text(text);
  out.start_object();
  out.key(marker_key);
  out.string("json-text");
  out.key("text");
  out.string(text);
  out.end_object();
}

void decode_json(const JsonValue& value, int format_version, std::string& out) {
  std::string_view kind = marker_kind(value);
  if (kind == "json-null" && value.keys.size() == 1) {
    out += "null";
    return;
  }
  if (format_version >= snapshot::json_text_version && !kind.empty()) {
    if (kind != "json-text" || value.keys.size() != 2 || value.keys[1] != "text" ||
        value.items[1].type != JsonValue::Type::string)
      throw std::invalid_argument("malformed pgtote marker " + value.raw);
    if (!is_json_text(value.items[1].text)) throw std::invalid_argument("the json-text marker holds invalid JSON");
    out += value.items[1].text;
    return;
  }
  // Before version 2, writers embedded every stored value but JSON null as is.
  if (!is_json_text(value.raw)) throw std::invalid_argument("invalid JSON in a json column");
  out += value.raw;
}

}  // namespace pgtote
