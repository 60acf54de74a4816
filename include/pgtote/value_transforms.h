// The anonymization transforms on one value in PostgreSQL's text form: type-preserving hashes and
// fake emails, names, phones, addresses and text. Pure and deterministic given the salt; no server.
#pragma once

#include <cstdint>
#include <optional>
#include <string>
#include <string_view>

#include "pgtote/keyed_hash.h"
#include "pgtote/schema_model.h"

namespace pgtote {

enum class TransformKind {
  keep,
  null,
  value,
  hash,
  email,
  name,
  first_name,
  last_name,
  phone,
  address,
  text,
  json,
  sql
};

std::optional<TransformKind> transform_kind_from_name(std::string_view name);
const char* transform_kind_name(TransformKind kind);

// What a transform may assume about a column's values, read from its type.
enum class ValueClass { int16, int32, int64, oid, uuid, text, decimal, bytea, boolean, json, other };
struct ValueShape {
  ValueClass value_class = ValueClass::other;
  int max_length = -1;  // character varying(n), character(n): at most n characters; -1: no limit
};
ValueShape value_shape(const Column& column);
const char* value_class_name(ValueClass value_class);

// Can `kind` produce values of this shape? False: the export is refused, naming the column.
bool transform_fits(TransformKind kind, ValueShape shape);
// A bijection on the column's values (hash of integers and uuids): distinct inputs never share
// an output, so no collision bookkeeping is needed.
bool transform_is_bijective(TransformKind kind, ValueShape shape);

class ValueTransforms {
 public:
  // `output_space` > 0 narrows hash and email outputs to that many values (tests of collisions).
  explicit ValueTransforms(std::string_view salt, uint64_t output_space = 0);

  // The text form of the transformed value, for kinds hash, email, name, first_name, last_name,
  // phone, address and text (the others need no salt: the anonymizer does them). `attempt` 0 is
  // the value's own output; 1, 2... re-derive it after a collision on a unique column. Throws
  // std::invalid_argument when the input does not have the shape's text form.
  std::string apply(TransformKind kind, ValueShape shape, std::string_view input, uint32_t attempt) const;

  // The pieces, for tests and for json leaves.
  std::string hash(ValueShape shape, std::string_view input, uint32_t attempt) const;
  std::string email(std::string_view input, uint32_t attempt) const;
  std::string person_name(TransformKind kind, std::string_view input, uint32_t attempt) const;
  std::string phone(std::string_view input, uint32_t attempt) const;
  std::string address(std::string_view input, uint32_t attempt) const;
  std::string text(std::string_view input, uint32_t attempt, int max_length) const;

 private:
  uint64_t draw(const KeyedHash& key, std::string_view input, uint32_t attempt) const;
  int64_t permute_integer(int64_t value, int width, uint32_t attempt) const;
  uint64_t output_space_;
  KeyedHash integer_, uuid_, text_hash_, digits_, bytes_, email_, name_, phone_, address_, lorem_;
};

}  // namespace pgtote
