// A streaming framer finds each value's bytes (header fields, table descriptions, rows) by
// tracking strings and nesting; simdjson then parses each small piece. Layout changes that JSON
// allows (re-indentation) are accepted; keys must keep the order docs/snapshot-format.md gives.
#include "pgtote/snapshot_reader.h"

#include <simdjson.h>

#ifdef __SSE2__
#include <emmintrin.h>
#endif

#include <cerrno>
#include <cstring>
#include <map>

#include "pgtote/error.h"
#include "pgtote/snapshot_format.h"
#include "pgtote/value_codec.h"

namespace pgtote {

namespace od = simdjson::ondemand;

namespace {
constexpr size_t chunk_size = 1 << 20;

// The first '"' or '\\' in [p, end), or end: where a string's plain content stops.
const char* find_string_stop(const char* p, const char* end) {
#ifdef __SSE2__
  const __m128i quote = _mm_set1_epi8('"'), backslash = _mm_set1_epi8('\\');
  while (end - p >= 16) {
    __m128i chunk = _mm_loadu_si128(reinterpret_cast<const __m128i*>(p));
    int mask = _mm_movemask_epi8(_mm_or_si128(_mm_cmpeq_epi8(chunk, quote), _mm_cmpeq_epi8(chunk, backslash)));
    if (mask) return p + __builtin_ctz(static_cast<unsigned>(mask));
    p += 16;
  }
#endif
  while (p < end && *p != '"' && *p != '\\') ++p;
  return p;
}
}

struct SnapshotReader::Impl {
  std::string path;
  std::FILE* file = nullptr;
  bool eof = false;
  std::string buffer;
  size_t pos = 0;            // next unread byte in buffer
  uint64_t discarded = 0;    // bytes dropped from the front of buffer so far
  std::vector<std::unique_ptr<od::parser>> parsers;  // one per nesting depth
  std::string context;       // "table public.User, row 12", for messages
  enum class State { tables, rows, done } state = State::tables;
  std::string table_name;
  bool first_table = true;
  bool first_row = true;

  ~Impl() {
    if (file && file != stdin) std::fclose(file);
  }

  [[noreturn]] void fail(const std::string& what) const {
    std::string where = " at byte " + std::to_string(discarded + pos);
    if (!context.empty()) where += " (" + context + ")";
    throw Error(ExitCode::bad_snapshot, "snapshot " + path + ": " + what + where);
  }

  // Reads more input, keeping buffer[keep..]; indexes at or after `keep` shift by `keep`.
  bool more(size_t& keep) {
    if (eof) return false;
    if (keep > 0) {
      buffer.erase(0, keep);
      discarded += keep;
      pos -= std::min(pos, keep);
      keep = 0;
    }
    size_t old = buffer.size();
    buffer.resize(old + chunk_size);
    size_t got = std::fread(buffer.data() + old, 1, chunk_size, file);
    buffer.resize(old + got);
    if (got == 0) {
      if (std::ferror(file)) throw Error(ExitCode::file, "cannot read " + path + ": " + std::strerror(errno));
      eof = true;
      return false;
    }
    return true;
  }

  void skip_space() {
    for (;;) {
      while (pos < buffer.size()) {
        char c = buffer[pos];
        if (c != ' ' && c != '\n' && c != '\r' && c != '\t') return;
        ++pos;
      }
      size_t keep = pos;
      if (!more(keep)) return;
    }
  }

  char peek() {
    skip_space();
    if (pos >= buffer.size()) fail("unexpected end of file (the snapshot is truncated)");
    return buffer[pos];
  }

  void expect(char c) {
    if (peek() != c) fail(std::string("expected '") + c + "', found '" + printable(buffer[pos]) + "'");
    ++pos;
  }

  static std::string printable(char c) {
    if (static_cast<unsigned char>(c) < 32 || static_cast<unsigned char>(c) > 126) return "byte " + std::to_string(static_cast<unsigned char>(c));
    return std::string(1, c);
  }

  // Finds the next complete value; returns its [start, end) in buffer, padded for simdjson.
  std::pair<size_t, size_t> scan_value() {
    peek();
    size_t start = pos;
    size_t i = start;
    char first = buffer[i];
    // Makes buffer[index] readable, reading more input; the value's bytes move to the front.
    auto at = [&](size_t index) -> bool {
      while (index >= buffer.size()) {
        size_t shift = start, keep = start;
        if (!more(keep)) return false;
        index -= shift;
        i -= shift;
        start = 0;
      }
      return true;
    };
    if (first == '{' || first == '[' || first == '"') {
      int depth = 0;
      bool in_string = false;
      for (;; ++i) {
        if (in_string && i < buffer.size())  // skip string content in bulk
          i = static_cast<size_t>(find_string_stop(buffer.data() + i, buffer.data() + buffer.size()) - buffer.data());
        if (!at(i)) fail("unexpected end of file (the snapshot is truncated)");
        char c = buffer[i];
        if (in_string) {
          if (c == '\\') {
            ++i;
            if (!at(i)) fail("unexpected end of file (the snapshot is truncated)");
          } else if (c == '"') {
            in_string = false;
            if (depth == 0) break;
          }
        } else if (c == '"') {
          in_string = true;
        } else if (c == '{' || c == '[') {
          ++depth;
        } else if (c == '}' || c == ']') {
          if (--depth == 0) break;
          if (depth < 0) fail("unbalanced brackets");
        }
      }
      ++i;
    } else {
      while (at(i)) {
        char c = buffer[i];
        if (c == ',' || c == '}' || c == ']' || c == ' ' || c == '\n' || c == '\r' || c == '\t') break;
        ++i;
      }
      if (i == start) fail("expected a value, found '" + printable(first) + "'");
    }
    pos = i;
    if (buffer.capacity() < i + simdjson::SIMDJSON_PADDING) {
      buffer.reserve(i + simdjson::SIMDJSON_PADDING + chunk_size);
    }
    return {start, i};
  }

  od::parser& parser(size_t depth) {
    while (parsers.size() <= depth) parsers.push_back(std::make_unique<od::parser>());
    return *parsers[depth];
  }

  simdjson::padded_string_view view(size_t start, size_t end) {
    return simdjson::padded_string_view(buffer.data() + start, end - start, buffer.capacity() - start);
  }

  std::string parse_key() {
    auto [start, end] = scan_value();
    if (buffer[start] != '"') fail("expected a key");
    if (!parse_value(start, end, key_value_)) fail("malformed key");
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

  // Parses buffer[start, end) as one JSON value.
  bool parse_value(size_t start, size_t end, JsonValue& out) {
    od::document doc;
    if (parser(0).iterate(view(start, end)).get(doc)) return false;
    return convert(doc, out, 0);
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
};

namespace {

std::string field_string(const JsonValue& v) { return v.type == JsonValue::Type::string ? v.text : ""; }

const JsonValue* member(const std::map<std::string, JsonValue>& fields, const std::string& name) {
  auto it = fields.find(name);
  return it == fields.end() ? nullptr : &it->second;
}

std::vector<std::string> string_list(const JsonValue* v) {
  std::vector<std::string> out;
  if (!v || v->type != JsonValue::Type::array) return out;
  for (const auto& item : v->items) out.push_back(field_string(item));
  return out;
}

}  // namespace

SnapshotReader::SnapshotReader(const std::string& path) : impl_(std::make_unique<Impl>()) {
  Impl& in = *impl_;
  in.path = path == "-" ? "(stdin)" : path;
  in.file = path == "-" ? stdin : std::fopen(path.c_str(), "rb");
  if (!in.file) throw Error(ExitCode::file, "cannot open snapshot " + path + ": " + std::strerror(errno));
  in.buffer.reserve(2 * chunk_size + simdjson::SIMDJSON_PADDING);

  in.skip_space();
  if (in.pos >= in.buffer.size()) in.fail("the file is empty");
  if (in.buffer[in.pos] != '{') in.fail("not a pgtote snapshot (expected a JSON object)");
  ++in.pos;
  std::map<std::string, JsonValue> header;
  for (;;) {
    std::string key = in.parse_key();
    if (key == "tables") break;
    auto [start, end] = in.scan_value();
    if (!in.parse_value(start, end, header[key])) in.fail("malformed value for \"" + key + "\"");
    char c = in.peek();
    ++in.pos;
    if (c == '}') in.fail("no \"tables\" in the snapshot");
    if (c != ',') in.fail("expected ',' in the header");
  }
  const JsonValue* format = member(header, "format");
  if (!format || field_string(*format) != snapshot::format_name)
    in.fail("not a pgtote snapshot (\"format\" is not \"" + std::string(snapshot::format_name) + "\")");
  const JsonValue* version = member(header, "version");
  info_.version = version && version->type == JsonValue::Type::number ? std::atoi(version->raw.c_str()) : 0;
  if (info_.version != snapshot::format_version)
    in.fail("snapshot format version " + (version ? version->raw : std::string("(none)")) +
            " is not supported by this pgtote (it reads version " + std::to_string(snapshot::format_version) +
            "); use a matching pgtote");
  if (auto* v = member(header, "tool")) info_.tool = field_string(*v);
  if (auto* v = member(header, "exported_at")) info_.exported_at = field_string(*v);
  if (auto* source = member(header, "source")) {
    auto fields = in.object_fields(*source, "\"source\"");
    if (auto* v = member(fields, "server_version")) info_.server_version = field_string(*v);
    if (auto* v = member(fields, "database")) info_.database = field_string(*v);
  }
  if (auto* order = member(header, "order"); order && order->type == JsonValue::Type::array)
    for (const auto& entry : order->items) {
      auto names = string_list(&entry);
      if (names.size() != 2) in.fail("malformed \"order\" entry");
      info_.order.emplace_back(names[0], names[1]);
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
void SnapshotReader::finish_table(uint64_t rows_read) {
  Impl& in = *impl_;
  bool counted = false;
  for (;;) {
    char c = in.peek();
    ++in.pos;
    if (c == '}') break;
    if (c != ',') in.fail("expected ',' or '}' after the rows");
    std::string key = in.parse_key();
    auto [start, end] = in.scan_value();
    JsonValue value;
    if (!in.parse_value(start, end, value)) in.fail("malformed value for \"" + key + "\"");
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
  in.context.clear();
}

bool SnapshotReader::next_table(Table& table) {
  Impl& in = *impl_;
  if (in.state == Impl::State::rows) skip_rows();
  if (in.state == Impl::State::done) return false;
  char c = in.peek();
  if (c == ']') {
    ++in.pos;
    in.expect('}');
    in.state = Impl::State::done;
    return false;
  }
  if (!in.first_table) {
    if (c != ',') in.fail("expected ',' between tables");
    ++in.pos;
  }
  in.first_table = false;
  in.expect('{');
  std::map<std::string, JsonValue> fields;
  for (bool first = true;; first = false) {
    if (!first) in.expect(',');
    std::string key = in.parse_key();
    if (key == "rows") break;
    auto [start, end] = in.scan_value();
    if (!in.parse_value(start, end, fields[key])) in.fail("malformed value for \"" + key + "\"");
  }
  table = Table{};
  auto* schema = member(fields, "schema");
  auto* name = member(fields, "name");
  if (!schema || !name || schema->type != JsonValue::Type::string || name->type != JsonValue::Type::string)
    in.fail("a table has no \"schema\" or \"name\" before its rows");
  table.schema = schema->text;
  table.name = name->text;
  in.table_name = table.qualified_name();
  in.context = "table " + in.table_name;
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
  if (auto* keys = member(fields, "unique_keys"); keys && keys->type == JsonValue::Type::array)
    for (const auto& key : keys->items) {
      auto f = in.object_fields(key, "unique key");
      UniqueKey unique;
      if (auto* v = member(f, "name")) unique.name = field_string(*v);
      unique.columns = string_list(member(f, "columns"));
      if (auto* v = member(f, "index_only")) unique.constraint = !(v->type == JsonValue::Type::boolean && v->boolean);
      table.unique_keys.push_back(std::move(unique));
    }
  if (auto* keys = member(fields, "foreign_keys"); keys && keys->type == JsonValue::Type::array)
    for (const auto& key : keys->items) {
      auto f = in.object_fields(key, "foreign key");
      ForeignKey fk;
      if (auto* v = member(f, "name")) fk.name = field_string(*v);
      fk.columns = string_list(member(f, "columns"));
      if (auto* v = member(f, "deferrable")) fk.deferrable = v->type == JsonValue::Type::boolean && v->boolean;
      if (auto* v = member(f, "references")) {
        auto r = in.object_fields(*v, "foreign key");
        if (auto* s = member(r, "schema")) fk.ref_schema = field_string(*s);
        if (auto* t = member(r, "table")) fk.ref_table = field_string(*t);
        fk.ref_columns = string_list(member(r, "columns"));
      }
      table.foreign_keys.push_back(std::move(fk));
    }
  in.expect('[');
  in.state = Impl::State::rows;
  in.first_row = true;
  recorded_rows_ = 0;
  rows_read_ = 0;
  in.context = "table " + in.table_name + ", row 1";
  return true;
}

bool SnapshotReader::next_row(std::vector<JsonValue>& values) {
  Impl& in = *impl_;
  if (in.state != Impl::State::rows) return false;
  char c = in.peek();
  if (c == ']') {
    ++in.pos;
    finish_table(rows_read_);
    return false;
  }
  if (!in.first_row) {
    if (c != ',') in.fail("expected ',' between rows");
    ++in.pos;
  }
  in.first_row = false;
  auto [start, end] = in.scan_value();
  od::document doc;
  od::array row;
  if (in.parser(0).iterate(in.view(start, end)).get(doc) || doc.get_array().get(row))
    in.fail("a row is not a JSON array");
  size_t count = 0;
  for (auto item : row) {
    od::value v;
    if (count == values.size()) values.emplace_back();
    if (item.get(v) || !in.convert(v, values[count], 1)) in.fail("malformed value in a row");
    ++count;
  }
  values.resize(count);
  ++rows_read_;
  in.context = "table " + in.table_name + ", row " + std::to_string(rows_read_ + 1);
  return true;
}

uint64_t SnapshotReader::skip_rows() {
  Impl& in = *impl_;
  uint64_t rows = 0;
  while (in.state == Impl::State::rows) {
    char c = in.peek();
    if (c == ']') {
      ++in.pos;
      finish_table(rows_read_ + rows);
      break;
    }
    if (!in.first_row) {
      if (c != ',') in.fail("expected ',' between rows");
      ++in.pos;
    }
    in.first_row = false;
    in.scan_value();
    ++rows;
  }
  return rows;
}

}  // namespace pgtote

namespace pgtote {

JsonValue parse_json_value(std::string_view json) {
  SnapshotReader::Impl in;
  in.path = "(text)";
  in.buffer.reserve(json.size() + simdjson::SIMDJSON_PADDING);
  in.buffer.assign(json);
  in.eof = true;
  auto [start, end] = in.scan_value();
  JsonValue value;
  if (!in.parse_value(start, end, value)) in.fail("malformed JSON");
  in.skip_space();
  if (in.pos != in.buffer.size()) in.fail("unexpected text after the value");
  return value;
}

}  // namespace pgtote
