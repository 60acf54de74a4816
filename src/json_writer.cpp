// RapidJSON behind a small interface, so the rest of pgtote never includes it.
#include "pgtote/json_writer.h"

#include <rapidjson/stringbuffer.h>
#include <rapidjson/writer.h>

#include <cstring>

#ifdef __SSE2__
#include <emmintrin.h>
#endif

namespace pgtote {

namespace {
// RapidJSON's writer, telling whether a value would be a root (no container open): a root
// value needs no separator, so its bytes can be copied straight into the buffer.
class Writer : public rapidjson::Writer<rapidjson::StringBuffer> {
 public:
  using rapidjson::Writer<rapidjson::StringBuffer>::Writer;
  bool at_root() const { return level_stack_.Empty(); }
};
}  // namespace

struct JsonWriter::Impl {
  explicit Impl(Sink s) : sink(std::move(s)), writer(buffer) {}
  Sink sink;
  rapidjson::StringBuffer buffer;
  Writer writer;
  uint64_t flushed = 0;
  std::string scratch;

  // RapidJSON accepts one root value; every complete value ends a root, so start a new one.
  Writer& w() {
    if (writer.IsComplete()) writer.Reset(buffer);
    return writer;
  }

  void copy(std::string_view bytes) {
    char* out = buffer.Push(bytes.size());
    std::memcpy(out, bytes.data(), bytes.size());
  }
};

JsonWriter::JsonWriter(Sink sink) : impl_(std::make_unique<Impl>(std::move(sink))) {}
JsonWriter::~JsonWriter() = default;

void JsonWriter::raw(std::string_view text) { impl_->copy(text); }
void JsonWriter::null() { impl_->w().Null(); }
void JsonWriter::boolean(bool value) { impl_->w().Bool(value); }
void JsonWriter::integer(int64_t value) { impl_->w().Int64(value); }
void JsonWriter::real(double value) { impl_->w().Double(value); }
namespace {
// Does the string need escaping in JSON (a control character, '"' or '\\')?
bool needs_escape(std::string_view value) {
  size_t i = 0;
#ifdef __SSE2__
  const __m128i space = _mm_set1_epi8(0x1f), quote = _mm_set1_epi8('"'), backslash = _mm_set1_epi8('\\');
  for (; i + 16 <= value.size(); i += 16) {
    __m128i chunk = _mm_loadu_si128(reinterpret_cast<const __m128i*>(value.data() + i));
    __m128i control = _mm_cmpeq_epi8(_mm_min_epu8(chunk, space), chunk);  // byte <= 0x1f
    __m128i special = _mm_or_si128(_mm_cmpeq_epi8(chunk, quote), _mm_cmpeq_epi8(chunk, backslash));
    if (_mm_movemask_epi8(_mm_or_si128(control, special))) return true;
  }
#endif
  for (; i < value.size(); ++i) {
    unsigned char c = static_cast<unsigned char>(value[i]);
    if (c < 0x20 || c == '"' || c == '\\') return true;
  }
  return false;
}
}  // namespace

void JsonWriter::string(std::string_view value) {
  if (needs_escape(value)) {
    impl_->w().String(value.data(), static_cast<rapidjson::SizeType>(value.size()));
    return;
  }
  // Most values need no escaping: copied whole. Inside a container, RawValue adds the commas.
  if (impl_->writer.at_root()) {
    impl_->copy("\"");
    impl_->copy(value);
    impl_->copy("\"");
    return;
  }
  std::string& quoted = impl_->scratch;
  quoted.assign(1, '"');
  quoted.append(value);
  quoted.push_back('"');
  impl_->w().RawValue(quoted.data(), quoted.size(), rapidjson::kStringType);
}
void JsonWriter::number_text(std::string_view digits) {
  if (impl_->writer.at_root()) return impl_->copy(digits);
  impl_->w().RawValue(digits.data(), digits.size(), rapidjson::kNumberType);
}
void JsonWriter::json_text(std::string_view json) {
  if (impl_->writer.at_root()) return impl_->copy(json);
  impl_->w().RawValue(json.data(), json.size(), rapidjson::kObjectType);
}
void JsonWriter::start_object() { impl_->w().StartObject(); }
void JsonWriter::key(std::string_view name) {
  impl_->writer.Key(name.data(), static_cast<rapidjson::SizeType>(name.size()));
}
void JsonWriter::end_object() { impl_->writer.EndObject(); }
void JsonWriter::start_array() { impl_->w().StartArray(); }
void JsonWriter::end_array() { impl_->writer.EndArray(); }

size_t JsonWriter::buffered() const { return impl_->buffer.GetSize(); }
uint64_t JsonWriter::total_bytes() const { return impl_->flushed + impl_->buffer.GetSize(); }

void JsonWriter::flush() {
  size_t size = impl_->buffer.GetSize();
  if (size == 0) return;
  impl_->sink(std::string_view(impl_->buffer.GetString(), size));
  impl_->flushed += size;
  impl_->buffer.Clear();
}

std::string json_to_string(const std::function<void(JsonWriter&)>& build) {
  std::string out;
  JsonWriter writer([&out](std::string_view bytes) { out.append(bytes); });
  build(writer);
  writer.flush();
  return out;
}

}  // namespace pgtote
