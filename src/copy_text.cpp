// COPY text format per the PostgreSQL manual ("COPY", "Text Format").
#include "pgtote/copy_text.h"

#include <cctype>
#include <cstring>

#ifdef __SSE2__
#include <emmintrin.h>
#endif

namespace pgtote {

CopyRowFields::CopyRowFields(std::string_view row) : rest_(row) {
  if (!rest_.empty() && rest_.back() == '\n') rest_.remove_suffix(1);
}

static char unescape_letter(char c) {
  switch (c) {
    case 'b':
      return '\b';
    case 'f':
      return '\f';
    case 'n':
      return '\n';
    case 'r':
      return '\r';
    case 't':
      return '\t';
    case 'v':
      return '\v';
    default:
      return c;
  }
}

bool CopyRowFields::next(std::string_view& value, bool& null) {
  if (done_) return false;
  const char* start = rest_.data();
  const void* tab = std::memchr(start, '\t', rest_.size());
  size_t length = tab ? static_cast<const char*>(tab) - start : rest_.size();
  std::string_view field(start, length);
  if (tab)
    rest_.remove_prefix(length + 1);
  else
    done_ = true;

  null = field == "\\N";
  if (null || std::memchr(field.data(), '\\', field.size()) == nullptr) {
    value = field;
    return true;
  }
  unescaped_.clear();
  for (size_t i = 0; i < field.size(); ++i) {
    char c = field[i];
    if (c != '\\' || i + 1 == field.size()) {
      unescaped_.push_back(c);
      continue;
    }
    char e = field[++i];
    if (e >= '0' && e <= '7') {  // \ooo octal, up to three digits
      int code = e - '0';
      for (int k = 0; k < 2 && i + 1 < field.size() && field[i + 1] >= '0' && field[i + 1] <= '7'; ++k)
        code = code * 8 + (field[++i] - '0');
      unescaped_.push_back(static_cast<char>(code));
    } else if (e == 'x' && i + 1 < field.size() && std::isxdigit(static_cast<unsigned char>(field[i + 1]))) {
      int code = 0;
      for (int k = 0; k < 2 && i + 1 < field.size() && std::isxdigit(static_cast<unsigned char>(field[i + 1])); ++k) {
        char h = field[++i];
        code = code * 16 + (h <= '9' ? h - '0' : (h | 0x20) - 'a' + 10);
      }
      unescaped_.push_back(static_cast<char>(code));
    } else {
      unescaped_.push_back(unescape_letter(e));
    }
  }
  value = unescaped_;
  return true;
}

namespace {
// Index of the first byte that may need escaping (a control character or '\\'), or size.
size_t first_special(std::string_view value, size_t from) {
  size_t i = from;
#ifdef __SSE2__
  const __m128i thirteen = _mm_set1_epi8(13), backslash = _mm_set1_epi8('\\');
  for (; i + 16 <= value.size(); i += 16) {
    __m128i chunk = _mm_loadu_si128(reinterpret_cast<const __m128i*>(value.data() + i));
    __m128i low = _mm_cmpeq_epi8(_mm_min_epu8(chunk, thirteen), chunk);  // byte <= 13
    int mask = _mm_movemask_epi8(_mm_or_si128(low, _mm_cmpeq_epi8(chunk, backslash)));
    if (mask) return i + static_cast<size_t>(__builtin_ctz(static_cast<unsigned>(mask)));
  }
#endif
  for (; i < value.size(); ++i) {
    unsigned char c = static_cast<unsigned char>(value[i]);
    if (c <= 13 || c == '\\') return i;
  }
  return i;
}
}  // namespace

void append_copy_escaped(std::string& out, std::string_view value) {
  // Runs without special characters are copied whole: most values have none.
  size_t start = 0;
  for (size_t i = first_special(value, 0); i < value.size(); i = first_special(value, i + 1)) {
    char c = value[i];
    if (c != '\\' && c != '\t' && c != '\n' && c != '\r') continue;
    out.append(value.data() + start, i - start);
    out += '\\';
    out += c == '\\' ? '\\' : c == '\t' ? 't' : c == '\n' ? 'n' : 'r';
    start = i + 1;
  }
  out.append(value.data() + start, value.size() - start);
}

}  // namespace pgtote
