// Finds the bytes of each JSON value in a stream without parsing them: it tracks strings and
// nesting only, so a snapshot of any size is read in one pass with memory bounded by its largest
// value. The snapshot reader hands each framed value to the JSON parser.
#pragma once

#include <cstdint>
#include <cstdio>
#include <memory>
#include <string>
#include <string_view>

namespace pgtote {

class JsonFramer {
 public:
  // Reads `path` ("-": stdin), decompressing zstd or gzip. Every framed value is followed by at least `padding`
  // readable bytes (what simdjson needs). Throws Error(file) when the file cannot be opened. `window` is how many bytes
  // each read asks for (tests force tiny windows).
  JsonFramer(const std::string& path, size_t padding, size_t window = 1 << 20);
  // Frames `text` (tests, small documents).
  JsonFramer(std::string_view text, size_t padding);
  ~JsonFramer();  // defined where InputStream is complete
  JsonFramer(const JsonFramer&) = delete;
  JsonFramer& operator=(const JsonFramer&) = delete;

  bool at_end();  // nothing but whitespace left
  char peek();    // the next non-space byte; fails at the end of the input
  void advance() { ++pos_; }
  void expect(char c);
  // The next complete value (object, array, string, number, literal). Valid until the next call.
  std::string_view next_value();
  // The deepest nesting of brackets in the last framed value (0 for a scalar).
  size_t last_depth() const { return last_depth_; }
  // Readable bytes from `p` (inside the last framed value) to the end of the buffer's memory.
  size_t readable_from(const char* p) const { return static_cast<size_t>(buffer_.data() + buffer_.capacity() - p); }

  // How far into the file reading is (compressed bytes for a compressed file), and the file's size:
  // 0 when it has none (standard input, a pipe).
  uint64_t file_bytes_read() const;
  uint64_t file_size() const { return file_size_; }

  // Error(bad_snapshot): "snapshot PATH: WHAT at byte N (CONTEXT)".
  [[noreturn]] void fail(const std::string& what) const;
  void set_context(std::string context) { context_ = std::move(context); }

 private:
  bool more(size_t& keep);
  void skip_space();

  std::string path_;
  std::unique_ptr<class InputStream> input_;  // null when framing a string
  bool eof_ = false;
  size_t padding_;
  size_t window_ = 1 << 20;
  std::string buffer_;
  size_t pos_ = 0;          // next unread byte in buffer_
  uint64_t discarded_ = 0;  // bytes dropped from the front of buffer_ so far
  std::string context_;     // "table public.User, row 12"
  size_t last_depth_ = 0;
  uint64_t file_size_ = 0;
};

}  // namespace pgtote
