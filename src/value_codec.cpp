// Value encoding rules. Encoding is on the export hot path: no allocation for plain values.
#include "pgtote/value_codec.h"

#include <array>
#include <cstring>
#include <stdexcept>

#include "pgtote/json_codec.h"

namespace pgtote {

const char* encoding_name(Encoding encoding) {
  switch (encoding) {
    case Encoding::number:
      return "number";
    case Encoding::bigint:
      return "bigint";
    case Encoding::floating:
      return "float";
    case Encoding::boolean:
      return "boolean";
    case Encoding::json:
      return "json";
    case Encoding::base64:
      return "base64";
    case Encoding::array:
      return "array";
    case Encoding::text:
      return "text";
  }
  return "text";
}

std::optional<Encoding> encoding_from_name(std::string_view name) {
  for (Encoding e : {Encoding::number, Encoding::bigint, Encoding::floating, Encoding::boolean, Encoding::json,
                     Encoding::base64, Encoding::array, Encoding::text})
    if (name == encoding_name(e)) return e;
  return std::nullopt;
}

Encoding encoding_for_type(uint32_t type_oid, char typtype, bool is_array) {
  if (is_array) return Encoding::array;
  if (typtype != 'b') return Encoding::text;  // domains, enums, composites, ranges: text form
  switch (type_oid) {
    case 21:  // int2
    case 23:  // int4
    case 26:  // oid
      return Encoding::number;
    case 20:
      return Encoding::bigint;  // int8
    case 700:                   // float4
    case 701:                   // float8
      return Encoding::floating;
    case 16:
      return Encoding::boolean;
    case 114:   // json
    case 3802:  // jsonb
      return Encoding::json;
    case 17:
      return Encoding::base64;  // bytea
    default:
      return Encoding::text;  // numeric, money, dates, uuid, inet, xml...
  }
}

namespace {

constexpr char base64_alphabet[] = "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789+/";

int hex_digit(char c) {
  if (c >= '0' && c <= '9') return c - '0';
  if (c >= 'a' && c <= 'f') return c - 'a' + 10;
  if (c >= 'A' && c <= 'F') return c - 'A' + 10;
  return -1;
}

// Does an int8's text fit in a double without loss (|v| <= 2^53 - 1)?
bool fits_json_number(std::string_view digits) {
  if (!digits.empty() && digits[0] == '-') digits.remove_prefix(1);
  if (digits.size() != 16) return digits.size() < 16;
  return digits <= "9007199254740991";
}

bool is_special_float(std::string_view text) { return text == "NaN" || text == "Infinity" || text == "-Infinity"; }

void encode_scalar(Encoding encoding, std::string_view text, JsonWriter& out, std::string& scratch) {
  switch (encoding) {
    case Encoding::number:
      out.number_text(text);
      return;
    case Encoding::bigint:
      if (fits_json_number(text))
        out.number_text(text);
      else
        out.string(text);
      return;
    case Encoding::floating:
      if (is_special_float(text))
        out.string(text);
      else
        out.number_text(text);
      return;
    case Encoding::boolean:
      out.boolean(text == "t" || text == "true");
      return;
    case Encoding::json:
      encode_json(text, out);
      return;
    case Encoding::base64: {
      // bytea in hex output: \x0a1b...
      if (text.size() < 2 || text[0] != '\\' || text[1] != 'x')
        throw std::invalid_argument("bytea value is not in hex format");
      scratch.clear();
      for (size_t i = 2; i + 1 < text.size(); i += 2)
        scratch.push_back(static_cast<char>(hex_digit(text[i]) * 16 + hex_digit(text[i + 1])));
      out.string(base64_encode(scratch));
      return;
    }
    case Encoding::array:  // arrays of arrays do not exist; treat as text
    case Encoding::text:
      out.string(text);
      return;
  }
}

// Reads an array literal ({...}, nested, quoted elements, NULL) and writes nested JSON arrays.
class ArrayEncoder {
 public:
  ArrayEncoder(std::string_view text, Encoding element, JsonWriter& out) : text_(text), element_(element), out_(out) {}

  void run() {
    parse_array();
    skip_space();
    if (pos_ != text_.size()) throw std::invalid_argument("unexpected text after array");
  }

 private:
  void skip_space() {
    while (pos_ < text_.size() && (text_[pos_] == ' ' || text_[pos_] == '\t' || text_[pos_] == '\n')) ++pos_;
  }
  char peek() const { return pos_ < text_.size() ? text_[pos_] : '\0'; }

  void parse_array() {
    if (peek() != '{') throw std::invalid_argument("array literal does not start with {");
    ++pos_;
    out_.start_array();
    skip_space();
    if (peek() == '}') {
      ++pos_;
      out_.end_array();
      return;
    }
    for (;;) {
      skip_space();
      if (peek() == '{')
        parse_array();
      else
        parse_element();
      skip_space();
      char c = peek();
      ++pos_;
      if (c == '}') break;
      if (c != ',') throw std::invalid_argument("malformed array literal");
    }
    out_.end_array();
  }

  void parse_element() {
    element_text_.clear();
    if (peek() == '"') {
      ++pos_;
      while (pos_ < text_.size() && text_[pos_] != '"') {
        if (text_[pos_] == '\\') ++pos_;
        if (pos_ < text_.size()) element_text_.push_back(text_[pos_++]);
      }
      if (pos_ >= text_.size()) throw std::invalid_argument("unterminated quoted array element");
      ++pos_;
      encode_scalar(element_, element_text_, out_, scratch_);
      return;
    }
    size_t start = pos_;
    while (pos_ < text_.size() && text_[pos_] != ',' && text_[pos_] != '}') ++pos_;
    std::string_view token = text_.substr(start, pos_ - start);
    while (!token.empty() && token.back() == ' ') token.remove_suffix(1);
    if (token.size() == 4 && strncasecmp(token.data(), "NULL", 4) == 0)
      out_.null();
    else
      encode_scalar(element_, token, out_, scratch_);
  }

  std::string_view text_;
  Encoding element_;
  JsonWriter& out_;
  size_t pos_ = 0;
  std::string element_text_;
  std::string scratch_;
};

}  // namespace

void encode_value(Encoding encoding, Encoding element_encoding, std::string_view text, JsonWriter& out) {
  if (encoding == Encoding::array) {
    // Arrays with explicit bounds ([0:2]={...}) keep their text form: nested JSON cannot say it.
    if (text.empty() || text[0] != '{') {
      out.string(text);
      return;
    }
    ArrayEncoder(text, element_encoding, out).run();
    return;
  }
  thread_local std::string scratch;
  encode_scalar(encoding, text, out, scratch);
}

std::string base64_encode(std::string_view bytes) {
  std::string out;
  out.reserve((bytes.size() + 2) / 3 * 4);
  size_t i = 0;
  auto byte = [&](size_t k) { return static_cast<unsigned char>(bytes[k]); };
  for (; i + 2 < bytes.size(); i += 3) {
    unsigned v = byte(i) << 16 | byte(i + 1) << 8 | byte(i + 2);
    out += base64_alphabet[v >> 18];
    out += base64_alphabet[(v >> 12) & 63];
    out += base64_alphabet[(v >> 6) & 63];
    out += base64_alphabet[v & 63];
  }
  if (i + 1 == bytes.size()) {
    unsigned v = byte(i) << 16;
    out += base64_alphabet[v >> 18];
    out += base64_alphabet[(v >> 12) & 63];
    out += "==";
  } else if (i + 2 == bytes.size()) {
    unsigned v = byte(i) << 16 | byte(i + 1) << 8;
    out += base64_alphabet[v >> 18];
    out += base64_alphabet[(v >> 12) & 63];
    out += base64_alphabet[(v >> 6) & 63];
    out += '=';
  }
  return out;
}

std::string base64_decode(std::string_view text) {
  static const std::array<int, 256> table = [] {
    std::array<int, 256> t{};
    t.fill(-1);
    for (int i = 0; i < 64; ++i) t[static_cast<unsigned char>(base64_alphabet[i])] = i;
    return t;
  }();
  if (text.size() % 4 != 0) throw std::invalid_argument("base64 length is not a multiple of 4");
  std::string out;
  out.reserve(text.size() / 4 * 3);
  for (size_t i = 0; i < text.size(); i += 4) {
    int v[4];
    int pad = 0;
    for (int k = 0; k < 4; ++k) {
      char c = text[i + k];
      if (c == '=' && i + 4 == text.size() && k >= 2) {
        v[k] = 0;
        ++pad;
        continue;
      }
      v[k] = table[static_cast<unsigned char>(c)];
      if (v[k] < 0 || pad) throw std::invalid_argument("invalid base64 character");
    }
    unsigned bits = v[0] << 18 | v[1] << 12 | v[2] << 6 | v[3];
    out += static_cast<char>(bits >> 16);
    if (pad < 2) out += static_cast<char>((bits >> 8) & 255);
    if (pad < 1) out += static_cast<char>(bits & 255);
  }
  return out;
}

namespace {

void decode_scalar(Encoding encoding, const JsonValue& value, int format_version, std::string& out) {
  using T = JsonValue::Type;
  switch (encoding) {
    case Encoding::number:
      if (value.type != T::number) throw std::invalid_argument("expected a JSON number");
      out += value.raw;
      return;
    case Encoding::bigint:
    case Encoding::floating:
      if (value.type == T::number)
        out += value.raw;
      else if (value.type == T::string)
        out += value.text;
      else
        throw std::invalid_argument("expected a JSON number or string");
      return;
    case Encoding::boolean:
      if (value.type != T::boolean) throw std::invalid_argument("expected true or false");
      out += value.boolean ? 't' : 'f';
      return;
    case Encoding::json:
      decode_json(value, format_version, out);
      return;
    case Encoding::base64: {
      if (value.type != T::string) throw std::invalid_argument("expected a base64 string");
      static const char hex[] = "0123456789abcdef";
      std::string bytes = base64_decode(value.text);
      out += "\\x";
      for (unsigned char b : bytes) {
        out += hex[b >> 4];
        out += hex[b & 15];
      }
      return;
    }
    case Encoding::array:
    case Encoding::text:
      if (value.type != T::string) throw std::invalid_argument("expected a JSON string");
      out += value.text;
      return;
  }
}

void decode_array(Encoding element, const JsonValue& value, int format_version, std::string& out) {
  out += '{';
  std::string item;
  for (size_t i = 0; i < value.items.size(); ++i) {
    if (i) out += ',';
    const JsonValue& v = value.items[i];
    if (v.type == JsonValue::Type::null) {
      out += "NULL";
    } else if (v.type == JsonValue::Type::array && element != Encoding::json) {
      decode_array(element, v, format_version, out);
    } else {
      item.clear();
      decode_scalar(element, v, format_version, item);
      out += '"';
      for (char c : item) {
        if (c == '"' || c == '\\') out += '\\';
        out += c;
      }
      out += '"';
    }
  }
  out += '}';
}

}  // namespace

bool decode_value(Encoding encoding, Encoding element_encoding, const JsonValue& value, std::string& out,
                  int format_version) {
  if (value.type == JsonValue::Type::null) return false;
  if (encoding == Encoding::array) {
    if (value.type == JsonValue::Type::string)
      out += value.text;  // text form with explicit bounds
    else if (value.type == JsonValue::Type::array)
      decode_array(element_encoding, value, format_version, out);
    else
      throw std::invalid_argument("expected a JSON array");
    return true;
  }
  decode_scalar(encoding, value, format_version, out);
  return true;
}

}  // namespace pgtote
