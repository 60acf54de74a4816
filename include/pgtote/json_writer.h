// Streaming JSON output for snapshots and reports; the only module that uses RapidJSON.
// Bytes accumulate in a buffer that the owner drains into a sink (file, stdout, string).
#pragma once

#include <cstdint>
#include <functional>
#include <memory>
#include <string>
#include <string_view>

namespace pgtote {

class JsonWriter {
 public:
  // `sink` receives the buffered bytes on flush(); it reports failures by throwing.
  using Sink = std::function<void(std::string_view)>;
  explicit JsonWriter(Sink sink);
  ~JsonWriter();
  JsonWriter(const JsonWriter&) = delete;
  JsonWriter& operator=(const JsonWriter&) = delete;

  // Bytes written verbatim: punctuation and layout between complete values.
  void raw(std::string_view text);
  // Values. Each call either continues the open container or starts a new top-level value.
  void null();
  void boolean(bool value);
  void integer(int64_t value);
  void real(double value);
  void string(std::string_view value);
  void number_text(std::string_view digits);  // a number already in JSON syntax
  void json_text(std::string_view json);      // a complete, valid JSON value, embedded as is
  void start_object();
  void key(std::string_view name);
  void end_object();
  void start_array();
  void end_array();

  // Bytes buffered and not yet flushed.
  size_t buffered() const;
  // Bytes handed to the sink so far, plus those still buffered.
  uint64_t total_bytes() const;
  void flush();
  // Flushes when the buffer is larger than `threshold`.
  void flush_if_over(size_t threshold) {
    if (buffered() > threshold) flush();
  }

 private:
  struct Impl;
  std::unique_ptr<Impl> impl_;
};

// Convenience: writes a whole value built by `build` into a string.
std::string json_to_string(const std::function<void(JsonWriter&)>& build);

}  // namespace pgtote
