// RapidJSON behind a small interface, so the rest of pgtote never includes it.
#include "pgtote/json_writer.h"

#include <rapidjson/stringbuffer.h>
#include <rapidjson/writer.h>

namespace pgtote {

struct JsonWriter::Impl {
  explicit Impl(Sink s) : sink(std::move(s)), writer(buffer) {}
  Sink sink;
  rapidjson::StringBuffer buffer;
  rapidjson::Writer<rapidjson::StringBuffer> writer;
  uint64_t flushed = 0;

  // RapidJSON accepts one root value; every complete value ends a root, so start a new one.
  rapidjson::Writer<rapidjson::StringBuffer>& w() {
    if (writer.IsComplete()) writer.Reset(buffer);
    return writer;
  }
};

JsonWriter::JsonWriter(Sink sink) : impl_(std::make_unique<Impl>(std::move(sink))) {}
JsonWriter::~JsonWriter() = default;

void JsonWriter::raw(std::string_view text) {
  char* out = impl_->buffer.Push(text.size());
  std::copy(text.begin(), text.end(), out);
}
void JsonWriter::null() { impl_->w().Null(); }
void JsonWriter::boolean(bool value) { impl_->w().Bool(value); }
void JsonWriter::integer(int64_t value) { impl_->w().Int64(value); }
void JsonWriter::real(double value) { impl_->w().Double(value); }
void JsonWriter::string(std::string_view value) {
  impl_->w().String(value.data(), static_cast<rapidjson::SizeType>(value.size()));
}
void JsonWriter::number_text(std::string_view digits) {
  impl_->w().RawValue(digits.data(), digits.size(), rapidjson::kNumberType);
}
void JsonWriter::json_text(std::string_view json) {
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
