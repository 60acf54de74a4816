// The JSON framer finds each value's bytes (header fields, table descriptions, rows); simdjson
// parses each small piece. Layout changes that JSON allows (re-indentation) are accepted; keys
// must keep the order docs/snapshot-format.md gives.
#include "pgtote/snapshot_reader.h"

#include <simdjson.h>

#include <algorithm>
#include <map>

#include "pgtote/error.h"
#include "pgtote/json_codec.h"
#include "pgtote/json_framer.h"
#include "pgtote/snapshot_format.h"
#include "pgtote/value_codec.h"

namespace pgtote {

namespace od = simdjson::ondemand;

struct SnapshotReader::Impl {
  JsonFramer framer;
  std::vector<std::unique_ptr<od::parser>> parsers;  // one per nesting depth
  enum class State { tables, rows, done } state = State::tables;
  std::string table_name;
  bool first_table = true;
  bool first_row = true;

  Impl(const std::string& path, size_t window) : framer(path, simdjson::SIMDJSON_PADDING, window) {}
  explicit Impl(std::string_view text) : framer(text, simdjson::SIMDJSON_PADDING) {}

  [[noreturn]] void fail(const std::string& what) const { framer.fail(what); }
  char peek() { return framer.peek(); }
  void expect(char c) { framer.expect(c); }

  od::parser& parser(size_t depth) {
    while (parsers.size() <= depth) parsers.push_back(std::make_unique<od::parser>());
    return *parsers[depth];
  }

  // Parses the value just framed. The parser's depth limit grows to the value's nesting (a json
  // column holds any depth PostgreSQL accepts); simdjson checks that limit in its debug builds.
  bool iterate_framed(std::string_view text, od::document& doc) {
    od::parser& p = parser(0);
    if (framer.last_depth() >= p.max_depth() &&
        p.allocate(std::max(p.capacity(), text.size()), framer.last_depth() + 1))
      return false;
    return !p.iterate(view(text)).get(doc);
  }

  // The framer keeps SIMDJSON_PADDING readable bytes after every value it frames.
  simdjson::padded_string_view view(std::string_view value) const {
    return simdjson::padded_string_view(value.data(), value.size(), framer.readable_from(value.data()));
  }

  std::string parse_key() {
    std::string_view key = framer.next_value();
    if (key[0] != '"' || !parse_value(key, key_value_)) fail("expected a key");
    expect(':');
    return key_value_.text;
  }

  static std::string_view trim(std::string_view raw) {
    while (!raw.empty() && (raw.back() == ' ' || raw.back() == '\n' || raw.back() == '\r' || raw.back() == '\t'))
      raw.remove_suffix(1);
    return raw;
  }

  // Converts one on-demand value. Arrays keep their raw text and their parsed items.
  template <typename Value>
  bool convert(Value& value, JsonValue& out, size_t depth) {
    od::json_type type;
    if (value.type().get(type)) return false;
    out.items.clear();
    out.keys.clear();
    out.text.clear();
    switch (type) {
      case od::json_type::array: {
        od::array array;
        std::string_view raw;
        if (value.get_array().get(array) || array.raw_json().get(raw)) return false;
        out.type = JsonValue::Type::array;
        out.raw.assign(trim(raw));
        return parse_items(out, depth + 1);
      }
      case od::json_type::object: {
        od::object object;
        std::string_view raw;
        if (value.get_object().get(object) || object.raw_json().get(raw)) return false;
        out.type = JsonValue::Type::object;
        out.raw.assign(trim(raw));
        return true;
      }
      case od::json_type::number:
        out.type = JsonValue::Type::number;
        out.raw.assign(trim(value.raw_json_token()));
        {
          double ignored;  // validates the token's syntax
          if (value.get_double().get(ignored) && value.is_integer().error()) return false;
        }
        return true;
      case od::json_type::string: {
        out.type = JsonValue::Type::string;
        out.raw.assign(trim(value.raw_json_token()));
        std::string_view text;
        if (value.get_string().get(text)) return false;
        out.text.assign(text);
        return true;
      }
      case od::json_type::boolean:
        out.type = JsonValue::Type::boolean;
        out.raw.assign(trim(value.raw_json_token()));
        return !value.get_bool().get(out.boolean);
      case od::json_type::null:
        out.type = JsonValue::Type::null;
        out.raw = "null";
        return value.is_null().value_unsafe();
    }
    return false;
  }

  // A json column's value: its type and exact text, at any depth, strings left escaped (PostgreSQL's
  // json type keeps lone surrogates). Its syntax is checked when it is decoded (json_syntax.h).
  template <typename Value>
  bool convert_json(Value& value, JsonValue& out) {
    od::json_type type;
    if (value.type().get(type)) return false;
    out.items.clear();
    out.keys.clear();
    out.text.clear();
    std::string_view raw;
    switch (type) {
      case od::json_type::array: {
        od::array array;
        if (value.get_array().get(array) || array.raw_json().get(raw)) return false;
        out.type = JsonValue::Type::array;
        break;
      }
      case od::json_type::object: {
        od::object object;
        if (value.get_object().get(object) || object.raw_json().get(raw)) return false;
        out.type = JsonValue::Type::object;
        break;
      }
      default:
        raw = value.raw_json_token();
        out.type = type == od::json_type::string   ? JsonValue::Type::string
                   : type == od::json_type::number ? JsonValue::Type::number
                   : type == od::json_type::null   ? JsonValue::Type::null
                                                   : JsonValue::Type::boolean;
    }
    out.raw.assign(trim(raw));
    if (out.type == JsonValue::Type::null) return out.raw == "null";
    if (out.type == JsonValue::Type::object && starts_like_marker(out.raw)) read_marker_members(out);
    return true;
  }

  // The members of an object that starts like a pgtote marker, one level deep: string values
  // unescaped, others as raw text. Left empty when they do not read (then it is no marker).
  void read_marker_members(JsonValue& object) {
    simdjson::padded_string copy(object.raw);
    od::document doc;
    od::object members;
    if (object_parser.iterate(copy).get(doc) || doc.get_object().get(members)) return;
    for (auto field : members) {
      std::string_view key, text;
      od::value value;
      od::json_type type;
      if (field.unescaped_key().get(key) || field.value().get(value) || value.type().get(type)) break;
      JsonValue item;
      if (type == od::json_type::string && !value.get_string().get(text)) {
        item.type = JsonValue::Type::string;
        item.text.assign(text);
      } else {
        item.type = JsonValue::Type::object;  // not a string: no marker reads it
      }
      object.keys.emplace_back(key);
      object.items.push_back(std::move(item));
    }
    if (object.keys.size() != object.items.size()) object.keys.clear(), object.items.clear();
  }

  // One row value, as the column's encoding needs it.
  template <typename Value>
  bool convert_for(Value& value, JsonValue& out, const Encoding* encoding) {
    if (encoding && *encoding == Encoding::json) return convert_json(value, out);
    return convert(value, out, 1);
  }

  // Parses an array's raw text again to list its items (nested arrays recurse).
  bool parse_items(JsonValue& array, size_t depth) {
    if (depth > 64) return false;
    simdjson::padded_string copy(array.raw);
    od::document doc;
    if (parser(depth).iterate(copy).get(doc)) return false;
    od::array items;
    if (doc.get_array().get(items)) return false;
    for (auto item : items) {
      od::value v;
      if (item.get(v)) return false;
      array.items.emplace_back();
      if (!convert(v, array.items.back(), depth)) return false;
    }
    return true;
  }

  // Parses one framed value.
  bool parse_value(std::string_view value, JsonValue& out) {
    od::document doc;
    return iterate_framed(value, doc) && convert(doc, out, 0);
  }

  // The members of an object value, each converted.
  std::map<std::string, JsonValue> object_fields(const JsonValue& object, const char* what) {
    std::map<std::string, JsonValue> fields;
    if (object.type != JsonValue::Type::object) fail(std::string("malformed ") + what);
    simdjson::padded_string padded(object.raw);
    od::parser& p = object_parser;
    od::document doc;
    od::object members;
    if (p.iterate(padded).get(doc) || doc.get_object().get(members)) fail(std::string("malformed ") + what);
    for (auto field : members) {
      std::string_view key;
      od::value value;
      if (field.unescaped_key().get(key) || field.value().get(value) || !convert(value, fields[std::string(key)], 1))
        fail(std::string("malformed ") + what);
    }
    return fields;
  }

  JsonValue key_value_;
  od::parser object_parser;
  std::vector<Encoding> encodings;  // the current table's columns
};

namespace {

std::string field_string(const JsonValue& v) { return v.type == JsonValue::Type::string ? v.text : ""; }

const JsonValue* member(const std::map<std::string, JsonValue>& fields, const std::string& name) {
  auto it = fields.find(name);
  return it == fields.end() ? nullptr : &it->second;
}

bool all_digits(const std::string& text) {
  return !text.empty() && text.size() <= 20 && text.find_first_not_of("0123456789") == std::string::npos;
}

std::vector<std::string> string_list(const JsonValue* v) {
  std::vector<std::string> out;
  if (!v || v->type != JsonValue::Type::array) return out;
  for (const auto& item : v->items) out.push_back(field_string(item));
  return out;
}

}  // namespace

SnapshotReader::SnapshotReader(const std::string& path, size_t window) : impl_(std::make_unique<Impl>(path, window)) {
  Impl& in = *impl_;
  if (in.framer.at_end()) in.fail("the file is empty");
  if (in.peek() != '{') in.fail("not a pgtote snapshot (expected a JSON object)");
  in.framer.advance();
  std::map<std::string, JsonValue> header;
  for (;;) {
    std::string key = in.parse_key();
    if (key == "tables") break;
    if (!in.parse_value(in.framer.next_value(), header[key])) in.fail("malformed value for \"" + key + "\"");
    char c = in.peek();
    in.framer.advance();
    if (c == '}') in.fail("no \"tables\" in the snapshot");
    if (c != ',') in.fail("expected ',' in the header");
  }
  const JsonValue* format = member(header, "format");
  if (!format || field_string(*format) != snapshot::format_name)
    in.fail("not a pgtote snapshot (\"format\" is not \"" + std::string(snapshot::format_name) + "\")");
  const JsonValue* version = member(header, "version");
  info_.version = version && version->type == JsonValue::Type::number ? std::atoi(version->raw.c_str()) : 0;
  if (info_.version < snapshot::oldest_format_version || info_.version > snapshot::format_version)
    in.fail("snapshot format version " + (version ? version->raw : std::string("(none)")) +
            " is not supported by this pgtote (it reads versions " + std::to_string(snapshot::oldest_format_version) +
            " to " + std::to_string(snapshot::format_version) + "); use a matching pgtote");
  if (auto* v = member(header, "tool")) info_.tool = field_string(*v);
  if (auto* v = member(header, "exported_at")) info_.exported_at = field_string(*v);
  if (auto* source = member(header, snapshot::source_key)) {
    auto fields = in.object_fields(*source, "\"source\"");
    if (auto* v = member(fields, snapshot::source_server_version_key)) info_.server_version = field_string(*v);
    if (auto* v = member(fields, snapshot::source_database_key)) info_.database = field_string(*v);
    if (auto* v = member(fields, snapshot::source_system_identifier_key)) {
      info_.system_identifier = field_string(*v);
      if (v->type != JsonValue::Type::string || !all_digits(info_.system_identifier))
        in.fail("\"source\".\"system_identifier\" is not a string of digits");
    }
    if (auto* v = member(fields, snapshot::source_database_oid_key)) {
      info_.database_oid = v->raw;
      if (v->type != JsonValue::Type::number || !all_digits(info_.database_oid))
        in.fail("\"source\".\"database_oid\" is not a whole number");
    }
  }
  auto read_names = [&](const char* key, std::vector<std::pair<std::string, std::string>>& out) {
    const JsonValue* list = member(header, key);
    if (!list) return;
    if (list->type != JsonValue::Type::array) in.fail("\"" + std::string(key) + "\" is not an array");
    for (const auto& entry : list->items) {
      auto names = string_list(&entry);
      if (names.size() != 2) in.fail("malformed \"" + std::string(key) + "\" entry");
      out.emplace_back(names[0], names[1]);
    }
  };
  if (const JsonValue* list = member(header, snapshot::anonymized_key)) {
    if (list->type != JsonValue::Type::array) in.fail("\"anonymized\" is not an array");
    info_.anonymized = true;
    for (const auto& entry : list->items) {
      if (entry.type != JsonValue::Type::object) in.fail("malformed \"anonymized\" entry");
      auto fields = in.object_fields(entry, "an \"anonymized\" entry");
      AnonymizedColumn column;
      for (auto [key, target] : {std::pair{"schema", &column.schema},
                                 {"table", &column.table},
                                 {"column", &column.column},
                                 {"transform", &column.transform},
                                 {"follows", &column.follows}})
        if (auto* v = member(fields, key)) *target = field_string(*v);
      if (column.schema.empty() || column.table.empty() || column.column.empty())
        in.fail("malformed \"anonymized\" entry (schema, table and column are required)");
      info_.anonymized_columns.push_back(std::move(column));
    }
  }
  read_names("order", info_.order);
  read_names(snapshot::filtered_by_row_security_key, info_.filtered_by_row_security);
  if (auto* subset = member(header, snapshot::subset_key)) {
    if (subset->type != JsonValue::Type::object)
      in.fail("\"" + std::string(snapshot::subset_key) + "\" is not an object");
    info_.subset = subset->raw;
  }
  if (auto* components = member(header, "components"); components && components->type == JsonValue::Type::array)
    for (const auto& component : components->items) {
      std::vector<size_t> members;
      for (const auto& m : component.items) {
        size_t position = static_cast<size_t>(std::atoll(m.raw.c_str()));
        if (m.type != JsonValue::Type::number || position >= info_.order.size()) in.fail("malformed \"components\"");
        members.push_back(position);
      }
      info_.components.push_back(std::move(members));
    }
  in.expect('[');
}

SnapshotReader::~SnapshotReader() = default;

// After a table's rows: the keys that follow them (row_count), then the table's closing brace.
uint64_t SnapshotReader::file_bytes_read() const { return impl_->framer.file_bytes_read(); }
uint64_t SnapshotReader::file_size() const { return impl_->framer.file_size(); }

void SnapshotReader::finish_table(uint64_t rows_read) {
  Impl& in = *impl_;
  bool counted = false;
  for (;;) {
    char c = in.peek();
    in.framer.advance();
    if (c == '}') break;
    if (c != ',') in.fail("expected ',' or '}' after the rows");
    std::string key = in.parse_key();
    JsonValue value;
    if (!in.parse_value(in.framer.next_value(), value)) in.fail("malformed value for \"" + key + "\"");
    if (key == "row_count") {
      if (value.type != JsonValue::Type::number) in.fail("\"row_count\" is not a number");
      recorded_rows_ = std::strtoull(value.raw.c_str(), nullptr, 10);
      counted = true;
    }
  }
  if (!counted) in.fail("the table has no \"row_count\" after its rows");
  if (recorded_rows_ != rows_read)
    in.fail("the table has " + std::to_string(rows_read) + " rows but its row_count says " +
            std::to_string(recorded_rows_));
  in.state = Impl::State::tables;
  in.framer.set_context("");
}

bool SnapshotReader::next_table(Table& table) {
  Impl& in = *impl_;
  if (in.state == Impl::State::rows) skip_rows();
  if (in.state == Impl::State::done) return false;
  char c = in.peek();
  if (c == ']') {
    in.framer.advance();
    in.expect('}');
    in.state = Impl::State::done;
    return false;
  }
  if (!in.first_table) {
    if (c != ',') in.fail("expected ',' between tables");
    in.framer.advance();
  }
  in.first_table = false;
  in.expect('{');
  std::map<std::string, JsonValue> fields;
  for (bool first = true;; first = false) {
    if (!first) in.expect(',');
    std::string key = in.parse_key();
    if (key == "rows") break;
    if (!in.parse_value(in.framer.next_value(), fields[key])) in.fail("malformed value for \"" + key + "\"");
  }
  table = Table{};
  auto* schema = member(fields, "schema");
  auto* name = member(fields, "name");
  if (!schema || !name || schema->type != JsonValue::Type::string || name->type != JsonValue::Type::string)
    in.fail("a table has no \"schema\" or \"name\" before its rows");
  table.schema = schema->text;
  table.name = name->text;
  in.table_name = table.qualified_name();
  in.framer.set_context("table " + in.table_name);
  auto* columns = member(fields, "columns");
  if (!columns || columns->type != JsonValue::Type::array) in.fail("the table has no \"columns\" list");
  for (const auto& item : columns->items) {
    auto f = in.object_fields(item, "column description");
    Column column;
    if (auto* v = member(f, "name")) column.name = field_string(*v);
    if (auto* v = member(f, "type")) column.type = field_string(*v);
    for (auto [key, target] : {std::pair{"encoding", &column.encoding}, {"element_encoding", &column.element_encoding}})
      if (auto* v = member(f, key)) {
        auto e = encoding_from_name(field_string(*v));
        if (!e) in.fail("column " + column.name + ": unknown value encoding " + v->raw);
        *target = *e;
      }
    if (auto* v = member(f, "nullable")) column.not_null = v->type == JsonValue::Type::boolean && !v->boolean;
    if (auto* v = member(f, "default"); v && v->type == JsonValue::Type::string) column.default_expr = v->text;
    if (auto* v = member(f, "identity")) column.identity = field_string(*v);
    if (auto* v = member(f, "generated")) column.generated = field_string(*v);
    if (auto* v = member(f, "sequence"); v && v->type == JsonValue::Type::string) column.sequence = v->text;
    if (column.name.empty()) in.fail("a column has no name");
    table.columns.push_back(std::move(column));
  }
  table.primary_key = string_list(member(fields, "primary_key"));
  if (auto* v = member(fields, "primary_key_without_overlaps"))
    table.primary_key_without_overlaps = v->type == JsonValue::Type::boolean && v->boolean;
  if (auto* keys = member(fields, "unique_keys"); keys && keys->type == JsonValue::Type::array)
    for (const auto& key : keys->items) {
      auto f = in.object_fields(key, "unique key");
      UniqueKey unique;
      if (auto* v = member(f, "name")) unique.name = field_string(*v);
      unique.columns = string_list(member(f, "columns"));
      if (auto* v = member(f, "index_only")) unique.constraint = !(v->type == JsonValue::Type::boolean && v->boolean);
      if (auto* v = member(f, "without_overlaps"))
        unique.without_overlaps = v->type == JsonValue::Type::boolean && v->boolean;
      table.unique_keys.push_back(std::move(unique));
    }
  if (auto* keys = member(fields, "foreign_keys"); keys && keys->type == JsonValue::Type::array)
    for (const auto& key : keys->items) {
      auto f = in.object_fields(key, "foreign key");
      ForeignKey fk;
      if (auto* v = member(f, "name")) fk.name = field_string(*v);
      fk.columns = string_list(member(f, "columns"));
      if (auto* v = member(f, "deferrable")) fk.deferrable = v->type == JsonValue::Type::boolean && v->boolean;
      if (auto* v = member(f, "period")) fk.period = v->type == JsonValue::Type::boolean && v->boolean;
      if (auto* v = member(f, "enforced")) fk.enforced = !(v->type == JsonValue::Type::boolean && !v->boolean);
      if (auto* v = member(f, "references")) {
        auto r = in.object_fields(*v, "foreign key");
        if (auto* s = member(r, "schema")) fk.ref_schema = field_string(*s);
        if (auto* t = member(r, "table")) fk.ref_table = field_string(*t);
        fk.ref_columns = string_list(member(r, "columns"));
      }
      table.foreign_keys.push_back(std::move(fk));
    }
  in.encodings.clear();
  for (const Column& column : table.columns) in.encodings.push_back(column.encoding);
  in.expect('[');
  in.state = Impl::State::rows;
  in.first_row = true;
  recorded_rows_ = 0;
  rows_read_ = 0;
  in.framer.set_context("table " + in.table_name + ", row 1");
  return true;
}

bool SnapshotReader::next_row(std::vector<JsonValue>& values) {
  Impl& in = *impl_;
  if (in.state != Impl::State::rows) return false;
  char c = in.peek();
  if (c == ']') {
    in.framer.advance();
    finish_table(rows_read_);
    return false;
  }
  if (!in.first_row) {
    if (c != ',') in.fail("expected ',' between rows");
    in.framer.advance();
  }
  in.first_row = false;
  std::string_view text = in.framer.next_value();
  od::document doc;
  od::array row;
  if (!in.iterate_framed(text, doc) || doc.get_array().get(row)) in.fail("a row is not a JSON array");
  size_t count = 0;
  for (auto item : row) {
    od::value v;
    if (count == values.size()) values.emplace_back();
    const Encoding* encoding = count < in.encodings.size() ? &in.encodings[count] : nullptr;
    if (item.get(v) || !in.convert_for(v, values[count], encoding)) in.fail("malformed value in a row");
    ++count;
  }
  values.resize(count);
  ++rows_read_;
  in.framer.set_context("table " + in.table_name + ", row " + std::to_string(rows_read_ + 1));
  return true;
}

uint64_t SnapshotReader::skip_rows() {
  Impl& in = *impl_;
  uint64_t rows = 0;
  while (in.state == Impl::State::rows) {
    char c = in.peek();
    if (c == ']') {
      in.framer.advance();
      finish_table(rows_read_ + rows);
      break;
    }
    if (!in.first_row) {
      if (c != ',') in.fail("expected ',' between rows");
      in.framer.advance();
    }
    in.first_row = false;
    in.framer.next_value();
    ++rows;
  }
  return rows;
}

}  // namespace pgtote

namespace pgtote {

JsonValue parse_json_value(std::string_view json) {
  SnapshotReader::Impl in(json);
  JsonValue value;
  if (in.framer.at_end() || !in.parse_value(in.framer.next_value(), value)) in.fail("malformed JSON");
  if (!in.framer.at_end()) in.fail("unexpected text after the value");
  return value;
}

JsonValue parse_row_value(std::string_view json, Encoding encoding) {
  SnapshotReader::Impl in("[" + std::string(json) + "]");
  JsonValue value;
  od::document doc;
  od::array items;
  size_t count = 0;
  if (!in.iterate_framed(in.framer.next_value(), doc) || doc.get_array().get(items)) in.fail("malformed JSON");
  for (auto item : items) {
    od::value v;
    if (item.get(v) || !in.convert_for(v, value, &encoding) || ++count > 1) in.fail("malformed JSON");
  }
  if (count != 1 || !in.framer.at_end()) in.fail("malformed JSON");
  return value;
}

}  // namespace pgtote
