// A temporary file of COPY text rows, one per line, shared by the tables whose rows are read early;
// each table keeps where its rows lie, and reads them back in order with pread.
#include "pgtote/row_spool.h"

#include <unistd.h>

#include <cerrno>
#include <cstring>

#include "pgtote/error.h"

namespace pgtote {

namespace {
constexpr size_t buffer_size = 1 << 20;
Error file_error(const char* what) { return Error(ExitCode::file, std::string(what) + ": " + std::strerror(errno)); }
}  // namespace

SpoolFile::SpoolFile() : file_(std::tmpfile()) {
  if (!file_) throw file_error("cannot create a temporary file");
}

SpoolFile::~SpoolFile() { std::fclose(file_); }

uint64_t SpoolFile::append_line(std::string_view line) {
  std::lock_guard lock(mutex_);
  uint64_t at = size_;
  buffer_.append(line).push_back('\n');
  size_ += line.size() + 1;
  if (buffer_.size() >= buffer_size) flush();
  return at;
}

void SpoolFile::flush() {
  for (size_t done = 0; done < buffer_.size();) {
    ssize_t n = ::write(fileno(file_), buffer_.data() + done, buffer_.size() - done);
    if (n < 0 && errno == EINTR) continue;
    if (n <= 0) throw file_error("cannot write a temporary file");
    done += static_cast<size_t>(n);
  }
  buffer_.clear();
}

void SpoolFile::read(uint64_t offset, uint64_t length, const std::function<void(std::string_view)>& each) {
  {
    std::lock_guard lock(mutex_);
    if (!buffer_.empty()) flush();
  }
  std::string chunk(std::min<uint64_t>(length, buffer_size), '\0');
  while (length > 0) {
    ssize_t n =
        ::pread(fileno(file_), chunk.data(), std::min<uint64_t>(length, chunk.size()), static_cast<off_t>(offset));
    if (n < 0 && errno == EINTR) continue;
    if (n <= 0) throw file_error("cannot read a temporary file");
    each(std::string_view(chunk.data(), static_cast<size_t>(n)));
    offset += static_cast<uint64_t>(n);
    length -= static_cast<uint64_t>(n);
  }
}

void RowSpool::append(std::string_view row) {
  uint64_t at = file_->append_line(row), length = row.size() + 1;
  if (!runs_.empty() && runs_.back().first + runs_.back().second == at)
    runs_.back().second += length;
  else
    runs_.emplace_back(at, length);
  ++rows_;
}

void RowSpool::for_each(const std::function<void(std::string_view)>& each) const {
  std::string partial;  // a row cut by the end of a piece
  for (const auto& [offset, length] : runs_)
    file_->read(offset, length, [&](std::string_view piece) {
      for (size_t end; (end = piece.find('\n')) != std::string_view::npos; piece.remove_prefix(end + 1)) {
        if (partial.empty()) {
          each(piece.substr(0, end));
        } else {
          partial.append(piece.substr(0, end));
          each(partial);
          partial.clear();
        }
      }
      partial.append(piece);
    });
}

}  // namespace pgtote
