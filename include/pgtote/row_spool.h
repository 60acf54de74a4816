// Rows read before their turn to be written (a subset's scans return whole rows), kept in one
// anonymous temporary file that every table's rows share until the snapshot writer takes them:
// memory stays flat, and one file descriptor serves any number of tables.
#pragma once

#include <cstdint>
#include <cstdio>
#include <functional>
#include <memory>
#include <mutex>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

namespace pgtote {

// The shared file: appended to while rows are found, then only read (by several threads at once).
class SpoolFile {
 public:
  SpoolFile();  // throws Error(file) when no temporary file can be made
  ~SpoolFile();
  SpoolFile(const SpoolFile&) = delete;
  SpoolFile& operator=(const SpoolFile&) = delete;

  // Appends `line` and a newline, at once (rows of several tables may be appended by two threads);
  // returns where they start.
  uint64_t append_line(std::string_view line);
  // Calls `each` with the bytes [offset, offset + length), in pieces, in order.
  void read(uint64_t offset, uint64_t length, const std::function<void(std::string_view)>& each);

 private:
  void flush();                // with mutex_ held
  std::FILE* file_ = nullptr;  // deleted by the system when closed, even after a crash
  std::mutex mutex_;
  std::string buffer_;  // appended bytes not yet written
  uint64_t size_ = 0;   // bytes appended in all
};

// One table's rows in a SpoolFile.
class RowSpool {
 public:
  explicit RowSpool(std::shared_ptr<SpoolFile> file) : file_(std::move(file)) {}

  // One COPY text row, without its newline (COPY escapes newlines inside values).
  void append(std::string_view row);
  uint64_t rows() const { return rows_; }
  // Calls `each` with every row, in the order appended. Throws Error(file) on a read error.
  void for_each(const std::function<void(std::string_view)>& each) const;

 private:
  std::shared_ptr<SpoolFile> file_;
  std::vector<std::pair<uint64_t, uint64_t>> runs_;  // (offset, length) of the rows, in the file
  uint64_t rows_ = 0;
};

}  // namespace pgtote
