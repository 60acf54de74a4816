// Rows read before their turn to be written (a subset's table whose one scan returned whole rows),
// kept in an anonymous temporary file until the snapshot writer takes them: memory stays flat.
#pragma once

#include <cstdint>
#include <cstdio>
#include <functional>
#include <string_view>

namespace pgtote {

class RowSpool {
 public:
  RowSpool();  // throws Error(file) when no temporary file can be made
  ~RowSpool();
  RowSpool(const RowSpool&) = delete;
  RowSpool& operator=(const RowSpool&) = delete;

  // One COPY text row, without its newline (COPY escapes newlines inside values).
  void append(std::string_view row);
  uint64_t rows() const { return rows_; }
  // Calls `each` with every row, in the order appended. Throws Error(file) on a read error.
  void for_each(const std::function<void(std::string_view)>& each);

 private:
  std::FILE* file_ = nullptr;  // deleted by the system when closed, even after a crash
  uint64_t rows_ = 0;
};

}  // namespace pgtote
