// PostgreSQL's COPY text format (tab-separated fields, \N for NULL, backslash escapes): split and
// unescape rows read by COPY TO, escape fields written by COPY FROM. No server needed.
#pragma once

#include <string>
#include <string_view>

namespace pgtote {

class CopyRowFields {
 public:
  // `row` is one COPY TO row, with or without its trailing newline.
  explicit CopyRowFields(std::string_view row);
  // Next field: false at the end. `null` tells NULL; otherwise `value` holds the unescaped text,
  // pointing into the row or into an internal buffer valid until the next call.
  bool next(std::string_view& value, bool& null);

 private:
  std::string_view rest_;
  bool done_ = false;
  std::string unescaped_;
};

// Appends `value` escaped for COPY FROM text format.
void append_copy_escaped(std::string& out, std::string_view value);

}  // namespace pgtote
