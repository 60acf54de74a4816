// Each transform draws from a keyed hash of the input (one purpose key per kind), so the same
// input gives the same output in every table and run; integers and uuids go through keyed
// Feistel permutations, which are bijections and need no memory to stay unique.
#include "pgtote/value_transforms.h"

#include <charconv>
#include <cstring>
#include <stdexcept>

namespace pgtote {

namespace {

struct KindName {
  TransformKind kind;
  const char* name;
};
constexpr KindName kind_names[] = {
    {TransformKind::keep, "keep"},
    {TransformKind::null, "null"},
    {TransformKind::value, "value"},
    {TransformKind::hash, "hash"},
    {TransformKind::email, "email"},
    {TransformKind::name, "name"},
    {TransformKind::first_name, "first_name"},
    {TransformKind::last_name, "last_name"},
    {TransformKind::phone, "phone"},
    {TransformKind::address, "address"},
    {TransformKind::text, "text"},
    {TransformKind::json, "json"},
    {TransformKind::sql, "sql"},
};

constexpr const char* first_names[] = {
    "Ada",     "Alan",   "Grace", "Linus",   "Barbara", "Edsger", "Donald", "Margaret",  "Ken",       "Dennis",
    "Frances", "John",   "Radia", "Niklaus", "Hedy",    "Tim",    "Sophie", "Guido",     "Katherine", "Bjarne",
    "Anita",   "Leslie", "Shafi", "Robin",   "Mary",    "Claude", "Jean",   "Carol",     "Ivan",      "Lynn",
    "Joan",    "Peter",  "Susan", "Vint",    "Adele",   "Butler", "Karen",  "Whitfield", "Elena",     "Hal"};
constexpr const char* last_names[] = {
    "Lovelace", "Turing",  "Hopper",   "Torvalds",   "Liskov",     "Dijkstra", "Knuth",      "Hamilton",
    "Thompson", "Ritchie", "Allen",    "McCarthy",   "Perlman",    "Wirth",    "Lamarr",     "Lee",
    "Wilson",   "Rossum",  "Johnson",  "Stroustrup", "Borg",       "Lamport",  "Goldwasser", "Milner",
    "Keller",   "Shannon", "Sammet",   "Shaw",       "Sutherland", "Conway",   "Clarke",     "Naur",
    "Kemeny",   "Cerf",    "Goldberg", "Lampson",    "Jones",      "Diffie",   "Ostrom",     "Abelson"};
constexpr const char* streets[] = {"Maple", "Oak",   "Cedar", "Elm",  "Pine",   "Birch", "Willow",  "Lake",
                                   "Hill",  "River", "Park",  "Main", "Church", "Mill",  "Station", "Garden"};
constexpr const char* street_kinds[] = {"Street", "Avenue", "Road", "Lane", "Way", "Drive", "Court", "Place"};
constexpr const char* cities[] = {"Springfield", "Riverton", "Fairview", "Greenville", "Kingston", "Madison",
                                  "Georgetown",  "Franklin", "Clinton",  "Salem",      "Bristol",  "Dover"};
constexpr const char* lorem[] = {"lorem",      "ipsum", "dolor",  "sit",   "amet",    "consectetur",
                                 "adipiscing", "elit",  "sed",    "do",    "eiusmod", "tempor",
                                 "incididunt", "ut",    "labore", "et",    "dolore",  "magna",
                                 "aliqua",     "enim",  "ad",     "minim", "veniam",  "quis"};

template <typename T, size_t N>
constexpr size_t count(const T (&)[N]) {
  return N;
}

// splitmix64: stretches one keyed draw into as many pseudo-random words as a value needs.
uint64_t next_word(uint64_t& state) {
  uint64_t z = (state += 0x9e3779b97f4a7c15ULL);
  z = (z ^ (z >> 30)) * 0xbf58476d1ce4e5b9ULL;
  z = (z ^ (z >> 27)) * 0x94d049bb133111ebULL;
  return z ^ (z >> 31);
}

constexpr char hex_digits[] = "0123456789abcdef";

void append_hex(std::string& out, uint64_t value, int digits) {
  for (int i = digits - 1; i >= 0; --i) out += hex_digits[(value >> (4 * i)) & 15];
}

std::string truncated(std::string text, int max_length) {
  if (max_length >= 0 && text.size() > static_cast<size_t>(max_length)) text.resize(max_length);
  return text;
}

size_t utf8_length(std::string_view text) {
  size_t n = 0;
  for (char c : text) n += (static_cast<unsigned char>(c) & 0xC0) != 0x80;
  return n;
}

int hex_value(char c) {
  if (c >= '0' && c <= '9') return c - '0';
  if (c >= 'a' && c <= 'f') return c - 'a' + 10;
  if (c >= 'A' && c <= 'F') return c - 'A' + 10;
  return -1;
}

// A keyed permutation of [0, 2^bits): a Feistel network on two halves of ceil(bits/2) bits,
// walking the cycle until the result is in range (at most a few steps: the network's domain is
// at most twice the range).
uint64_t feistel(const KeyedHash& key, uint64_t value, int bits) {
  int half = (bits + 1) / 2;
  uint64_t mask = (uint64_t{1} << half) - 1;
  do {
    uint64_t left = value >> half, right = value & mask;
    for (uint64_t round = 0; round < 6; ++round) {
      uint64_t next = left ^ (key((static_cast<uint64_t>(bits) << 8) | round, right) & mask);
      left = right;
      right = next;
    }
    value = (left << half) | right;
  } while (bits < 2 * half && (value >> bits) != 0);
  return value;
}

}  // namespace

std::optional<TransformKind> transform_kind_from_name(std::string_view name) {
  for (const auto& k : kind_names)
    if (name == k.name) return k.kind;
  return std::nullopt;
}

const char* transform_kind_name(TransformKind kind) {
  for (const auto& k : kind_names)
    if (kind == k.kind) return k.name;
  return "?";
}

const char* value_class_name(ValueClass value_class) {
  switch (value_class) {
    case ValueClass::int16:
      return "smallint";
    case ValueClass::int32:
      return "integer";
    case ValueClass::int64:
      return "bigint";
    case ValueClass::oid:
      return "oid";
    case ValueClass::uuid:
      return "uuid";
    case ValueClass::text:
      return "text";
    case ValueClass::decimal:
      return "number";
    case ValueClass::bytea:
      return "bytea";
    case ValueClass::boolean:
      return "boolean";
    case ValueClass::json:
      return "json";
    case ValueClass::other:
      return "other";
  }
  return "other";
}

ValueShape value_shape(const Column& column) {
  ValueShape shape;
  const std::string& type = column.type;
  auto starts = [&](const char* prefix) { return type.rfind(prefix, 0) == 0; };
  switch (column.encoding) {
    case Encoding::number:
      shape.value_class = type == "smallint" ? ValueClass::int16 : type == "oid" ? ValueClass::oid : ValueClass::int32;
      return shape;
    case Encoding::bigint:
      shape.value_class = ValueClass::int64;
      return shape;
    case Encoding::floating:
      shape.value_class = ValueClass::decimal;
      return shape;
    case Encoding::boolean:
      shape.value_class = ValueClass::boolean;
      return shape;
    case Encoding::json:
      shape.value_class = ValueClass::json;
      return shape;
    case Encoding::base64:
      shape.value_class = ValueClass::bytea;
      return shape;
    case Encoding::array:
      return shape;
    case Encoding::text:
      break;
  }
  if (type == "uuid") {
    shape.value_class = ValueClass::uuid;
  } else if (type == "text" || type == "name" || type == "citext" || type.ends_with(".citext") ||
             starts("character varying") || starts("character(") || type == "character") {
    shape.value_class = ValueClass::text;
    if (auto open = type.find('('); open != std::string::npos) shape.max_length = std::atoi(type.c_str() + open + 1);
    if (type == "character") shape.max_length = 1;
  } else if (starts("numeric") || type == "money") {
    shape.value_class = ValueClass::decimal;
  }
  return shape;
}

bool transform_fits(TransformKind kind, ValueShape shape) {
  switch (kind) {
    case TransformKind::keep:
    case TransformKind::null:
    case TransformKind::value:
    case TransformKind::sql:
      return true;
    case TransformKind::hash:
      return shape.value_class != ValueClass::other;
    case TransformKind::json:
      return shape.value_class == ValueClass::json;
    default:  // fakes are text
      return shape.value_class == ValueClass::text;
  }
}

bool transform_is_bijective(TransformKind kind, ValueShape shape) {
  if (kind != TransformKind::hash) return false;
  switch (shape.value_class) {
    case ValueClass::int16:
    case ValueClass::int32:
    case ValueClass::int64:
    case ValueClass::oid:
    case ValueClass::uuid:
      return true;
    default:
      return false;
  }
}

ValueTransforms::ValueTransforms(std::string_view salt, uint64_t output_space)
    : output_space_(output_space),
      integer_(salt, "hash:integer"),
      uuid_(salt, "hash:uuid"),
      text_hash_(salt, "hash:text"),
      digits_(salt, "hash:digits"),
      bytes_(salt, "hash:bytes"),
      email_(salt, "email"),
      name_(salt, "name"),
      phone_(salt, "phone"),
      address_(salt, "address"),
      lorem_(salt, "text") {}

uint64_t ValueTransforms::draw(const KeyedHash& key, std::string_view input, uint32_t attempt) const {
  uint64_t h = key(attempt, input);
  return output_space_ ? h % output_space_ : h;
}

// Sign and magnitude class kept: values below 2^16 (or the type's bound) permute among
// themselves, and each larger value among those of its bit length, [2^(k-1), 2^k). So keys stay
// near their size, and a sequence moved past them stays far from its type's end.
int64_t ValueTransforms::permute_integer(int64_t value, int width, uint32_t) const {
  bool negative = value < 0;
  uint64_t u = negative ? static_cast<uint64_t>(-(value + 1)) : static_cast<uint64_t>(value);
  int small = width < 16 ? width : 16;
  uint64_t base = 0;
  int bits = small;
  if (u >> small) {
    int length = 64 - __builtin_clzll(u);
    base = uint64_t{1} << (length - 1);
    bits = length - 1;
  }
  uint64_t out = base + feistel(integer_, u - base, bits);
  return negative ? -static_cast<int64_t>(out) - 1 : static_cast<int64_t>(out);
}

std::string ValueTransforms::hash(ValueShape shape, std::string_view input, uint32_t attempt) const {
  switch (shape.value_class) {
    case ValueClass::int16:
    case ValueClass::int32:
    case ValueClass::int64: {
      int64_t v = 0;
      auto [end, error] = std::from_chars(input.data(), input.data() + input.size(), v);
      if (error != std::errc() || end != input.data() + input.size())
        throw std::invalid_argument("not an integer: " + std::string(input));
      int width = shape.value_class == ValueClass::int16 ? 15 : shape.value_class == ValueClass::int32 ? 31 : 63;
      return std::to_string(permute_integer(v, width, attempt));
    }
    case ValueClass::oid: {
      uint64_t v = 0;
      auto [end, error] = std::from_chars(input.data(), input.data() + input.size(), v);
      if (error != std::errc() || end != input.data() + input.size() || v >> 32)
        throw std::invalid_argument("not an oid: " + std::string(input));
      return std::to_string(permute_integer(static_cast<int64_t>(v), 32, attempt));
    }
    case ValueClass::uuid: {
      uint64_t half[2] = {0, 0};
      int digits = 0;
      for (char c : input) {
        if (c == '-' || c == '{' || c == '}') continue;
        int h = hex_value(c);
        if (h < 0 || digits == 32) throw std::invalid_argument("not a uuid: " + std::string(input));
        half[digits / 16] = half[digits / 16] << 4 | static_cast<uint64_t>(h);
        ++digits;
      }
      if (digits != 32) throw std::invalid_argument("not a uuid: " + std::string(input));
      uint64_t left = half[0], right = half[1];
      for (uint64_t round = 0; round < 6; ++round) {
        uint64_t next = left ^ uuid_(round, right);
        left = right;
        right = next;
      }
      std::string out;
      append_hex(out, left >> 32, 8);
      out += '-';
      append_hex(out, (left >> 16) & 0xffff, 4);
      out += '-';
      append_hex(out, left & 0xffff, 4);
      out += '-';
      append_hex(out, right >> 48, 4);
      out += '-';
      append_hex(out, right & 0xffffffffffffULL, 12);
      return out;
    }
    case ValueClass::text: {
      std::string out;
      if (output_space_) {
        append_hex(out, draw(text_hash_, input, attempt), 16);
      } else {
        append_hex(out, text_hash_(attempt, input), 16);
        append_hex(out, text_hash_(attempt | uint64_t{1} << 32, input), 16);
      }
      return truncated(out, shape.max_length);
    }
    case ValueClass::decimal: {
      // Digits replaced, the shape kept: sign, digits before and after the point, exponent.
      if (input == "NaN" || input == "Infinity" || input == "-Infinity") return std::string(input);
      uint64_t state = draw(digits_, input, attempt);
      std::string out(input);
      bool leading = true, exponent = false;
      for (char& c : out) {
        if (c == 'e' || c == 'E') exponent = true;
        if (exponent || c < '0' || c > '9') {
          if (c == '.') leading = false;
          continue;
        }
        uint64_t r = next_word(state);
        if (leading && c != '0')
          c = static_cast<char>('1' + r % 9);
        else if (!leading || c != '0')
          c = static_cast<char>('0' + r % 10);
        leading = false;
      }
      return out;
    }
    case ValueClass::bytea: {
      if (input.size() < 2 || input[0] != '\\' || input[1] != 'x')
        throw std::invalid_argument("bytea value is not in hex format");
      uint64_t state = draw(bytes_, input, attempt);
      std::string out = "\\x";
      for (size_t i = 2; i + 1 < input.size(); i += 2) append_hex(out, next_word(state) & 0xff, 2);
      return out;
    }
    case ValueClass::boolean:
      return draw(bytes_, input, attempt) & 1 ? "t" : "f";
    case ValueClass::json: {
      std::string out = "\"";
      append_hex(out, draw(text_hash_, input, attempt), 16);
      return out + "\"";
    }
    case ValueClass::other:
      break;
  }
  throw std::invalid_argument("hash has no type-preserving form for this type");
}

std::string ValueTransforms::email(std::string_view input, uint32_t attempt) const {
  uint64_t state = draw(email_, input, attempt);
  uint64_t tag = state;
  uint64_t r = next_word(state);
  std::string out;
  for (const char* p = first_names[r % count(first_names)]; *p; ++p) out += static_cast<char>(std::tolower(*p));
  out += '.';
  for (const char* p = last_names[(r >> 16) % count(last_names)]; *p; ++p) out += static_cast<char>(std::tolower(*p));
  out += '.';
  if (output_space_)
    out += std::to_string(tag);
  else
    append_hex(out, tag >> 16, 12);  // 48 bits: collisions are rare, and resolved on unique columns
  return out + "@example.com";       // RFC 2606: never delivered
}

std::string ValueTransforms::person_name(TransformKind kind, std::string_view input, uint32_t attempt) const {
  uint64_t state = draw(name_, input, attempt);
  uint64_t r = next_word(state);
  std::string first = first_names[r % count(first_names)], last = last_names[(r >> 16) % count(last_names)];
  std::string out = kind == TransformKind::first_name  ? first
                    : kind == TransformKind::last_name ? last
                                                       : first + " " + last;
  // Later attempts (a unique column) add a number: the lists hold only so many names.
  if (attempt > 0) out += " " + std::to_string(attempt + 1);
  return out;
}

std::string ValueTransforms::phone(std::string_view input, uint32_t attempt) const {
  uint64_t state = draw(phone_, input, attempt);
  uint64_t r = next_word(state);
  std::string digits = std::to_string(1000000 + r % 9000000);  // 7 digits, no leading zero
  return "+1-555-" + digits.substr(0, 3) + "-" + digits.substr(3);
}

std::string ValueTransforms::address(std::string_view input, uint32_t attempt) const {
  uint64_t state = draw(address_, input, attempt);
  uint64_t r = next_word(state);
  return std::to_string(1 + r % 9999) + " " + streets[(r >> 16) % count(streets)] + " " +
         street_kinds[(r >> 24) % count(street_kinds)] + ", " + cities[(r >> 32) % count(cities)];
}

// Same length class: an input of n characters, 2^k <= n < 2^(k+1), gives words of a length in
// that range (capped by the column's limit); the empty string stays empty.
std::string ValueTransforms::text(std::string_view input, uint32_t attempt, int max_length) const {
  size_t n = utf8_length(input);
  if (n == 0) return "";
  size_t low = 1;
  while (low * 2 <= n) low *= 2;
  size_t high = low * 2 - 1;
  if (max_length >= 0 && high > static_cast<size_t>(max_length)) high = static_cast<size_t>(max_length);
  uint64_t state = draw(lorem_, input, attempt);
  size_t length = low + next_word(state) % (high - low + 1);
  std::string out;
  while (out.size() < length) {
    if (!out.empty()) out += ' ';
    out += lorem[next_word(state) % count(lorem)];
  }
  out.resize(length);
  if (out.back() == ' ') out.back() = '.';
  return out;
}

std::string ValueTransforms::apply(TransformKind kind, ValueShape shape, std::string_view input,
                                   uint32_t attempt) const {
  switch (kind) {
    case TransformKind::hash:
      return hash(shape, input, attempt);
    case TransformKind::email:
      return truncated(email(input, attempt), shape.max_length);
    case TransformKind::name:
    case TransformKind::first_name:
    case TransformKind::last_name:
      return truncated(person_name(kind, input, attempt), shape.max_length);
    case TransformKind::phone:
      return truncated(phone(input, attempt), shape.max_length);
    case TransformKind::address:
      return truncated(address(input, attempt), shape.max_length);
    case TransformKind::text:
      return text(input, attempt, shape.max_length);
    default:
      throw std::invalid_argument(std::string("transform ") + transform_kind_name(kind) + " takes no salt");
  }
}

}  // namespace pgtote
