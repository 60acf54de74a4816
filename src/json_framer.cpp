// Framing of JSON values over a chunked buffer. Plain string content is skipped 16 bytes at a
// time; everything else byte by byte.
#include "pgtote/json_framer.h"

#ifdef __SSE2__
#include <emmintrin.h>
#endif
#include <sys/stat.h>

#include <cerrno>
#include <cstring>

#include "pgtote/compression.h"
#include "pgtote/error.h"

namespace pgtote {

namespace {

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

bool is_space(char c) { return c == ' ' || c == '\n' || c == '\r' || c == '\t'; }

std::string printable(char c) {
  auto byte = static_cast<unsigned char>(c);
  if (byte < 32 || byte > 126) return "byte " + std::to_string(byte);
  return std::string(1, c);
}
}  // namespace

JsonFramer::JsonFramer(const std::string& path, size_t padding, size_t window)
    : path_(path == "-" ? "(stdin)" : path), padding_(padding), window_(window) {
  std::FILE* file = path == "-" ? stdin : std::fopen(path.c_str(), "rb");
  if (!file) throw Error(ExitCode::file, "cannot open snapshot " + path + ": " + std::strerror(errno));
  input_ = InputStream::open(file, path_);
  struct stat info {};
  if (fstat(fileno(file), &info) == 0 && S_ISREG(info.st_mode)) file_size_ = static_cast<uint64_t>(info.st_size);
  buffer_.reserve(2 * window_ + padding_);
}

JsonFramer::JsonFramer(std::string_view text, size_t padding) : path_("(text)"), eof_(true), padding_(padding) {
  buffer_.reserve(text.size() + padding_);
  buffer_.assign(text);
}

JsonFramer::~JsonFramer() = default;

uint64_t JsonFramer::file_bytes_read() const { return input_ ? input_->file_bytes_read() : buffer_.size(); }

void JsonFramer::fail(const std::string& what) const {
  std::string where = " at byte " + std::to_string(discarded_ + pos_);
  if (!context_.empty()) where += " (" + context_ + ")";
  throw Error(ExitCode::bad_snapshot, "snapshot " + path_ + ": " + what + where +
                                          "; nothing was written (export it again, or check the copy is whole)");
}

// Reads more input, dropping buffer_[0, keep); `keep` becomes 0 and pos_ moves with the bytes.
bool JsonFramer::more(size_t& keep) {
  if (eof_) return false;
  if (keep > 0) {
    buffer_.erase(0, keep);
    discarded_ += keep;
    pos_ -= std::min(pos_, keep);
    keep = 0;
  }
  size_t old = buffer_.size();
  buffer_.resize(old + window_);
  size_t got = input_->read(buffer_.data() + old, window_);
  buffer_.resize(old + got);
  if (got == 0) {
    eof_ = true;
    return false;
  }
  return true;
}

void JsonFramer::skip_space() {
  for (;;) {
    while (pos_ < buffer_.size() && is_space(buffer_[pos_])) ++pos_;
    if (pos_ < buffer_.size()) return;
    size_t keep = pos_;
    if (!more(keep)) return;
  }
}

bool JsonFramer::at_end() {
  skip_space();
  return pos_ >= buffer_.size();
}

char JsonFramer::peek() {
  if (at_end()) fail("unexpected end of file (the snapshot is truncated)");
  return buffer_[pos_];
}

void JsonFramer::expect(char c) {
  char found = peek();
  if (found != c) fail(std::string("expected '") + c + "', found '" + printable(found) + "'");
  ++pos_;
}

std::string_view JsonFramer::next_value() {
  char first = peek();
  size_t start = pos_, i = start;
  // Makes buffer_[i] readable, reading more input; the value's bytes move to the front.
  auto readable = [&]() -> bool {
    while (i >= buffer_.size()) {
      size_t shift = start, keep = start;
      if (!more(keep)) return false;
      i -= shift;
      start = 0;
    }
    return true;
  };
  auto truncated = [&] { fail("unexpected end of file (the snapshot is truncated)"); };
  last_depth_ = 0;
  if (first == '{' || first == '[' || first == '"') {
    size_t depth = 0;
    bool in_string = false;
    for (;; ++i) {
      if (in_string && i < buffer_.size())  // plain string content, in bulk
        i = static_cast<size_t>(find_string_stop(buffer_.data() + i, buffer_.data() + buffer_.size()) - buffer_.data());
      if (!readable()) truncated();
      char c = buffer_[i];
      if (in_string) {
        if (c == '\\') {
          ++i;
          if (!readable()) truncated();
        } else if (c == '"') {
          in_string = false;
          if (depth == 0) break;
        }
      } else if (c == '"') {
        in_string = true;
      } else if (c == '{' || c == '[') {
        if (++depth > last_depth_) last_depth_ = depth;
      } else if (c == '}' || c == ']') {
        if (depth == 0) fail("unbalanced brackets");
        if (--depth == 0) break;
      }
    }
    ++i;
  } else {
    while (readable()) {
      char c = buffer_[i];
      if (c == ',' || c == '}' || c == ']' || is_space(c)) break;
      ++i;
    }
    if (i == start) fail("expected a value, found '" + printable(first) + "'");
  }
  pos_ = i;
  if (buffer_.capacity() < i + padding_) buffer_.reserve(i + padding_ + window_);
  return std::string_view(buffer_.data() + start, i - start);
}

}  // namespace pgtote
