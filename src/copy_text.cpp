// COPY text format per the PostgreSQL manual ("COPY", "Text Format").
#include "pgtote/copy_text.h"

#include <cctype>
#include <cstring>

namespace pgtote {

CopyRowFields::CopyRowFields(std::string_view row) : rest_(row) {
  if (!rest_.empty() && rest_.back() == '\n') rest_.remove_suffix(1);
}

static char unescape_letter(char c) {
  switch (c) {
    case 'b': return '\b';
    case 'f': return '\f';
    case 'n': return '\n';
    case 'r': return '\r';
    case 't': return '\t';
    case 'v': return '\v';
    default: return c;
  }
}

bool CopyRowFields::next(std::string_view& value, bool& null) {
  if (done_) return false;
  const char* start = rest_.data();
  const void* tab = std::memchr(start, '\t', rest_.size());
  size_t length = tab ? static_cast<const char*>(tab) - start : rest_.size();
  std::string_view field(start, length);
  if (tab) rest_.remove_prefix(length + 1);
  else done_ = true;

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

void append_copy_escaped(std::string& out, std::string_view value) {
  for (char c : value) {
    switch (c) {
      case '\\': out += "\\\\"; break;
      case '\t': out += "\\t"; break;
      case '\n': out += "\\n"; break;
      case '\r': out += "\\r"; break;
      default: out.push_back(c);
    }
  }
}

}  // namespace pgtote
