// A temporary file of COPY text rows, one per line, written once and read back in order.
#include "pgtote/row_spool.h"

#include <cerrno>
#include <cstdlib>
#include <cstring>
#include <string>

#include "pgtote/error.h"

namespace pgtote {

namespace {
Error file_error(const char* what) { return Error(ExitCode::file, std::string(what) + ": " + std::strerror(errno)); }
}  // namespace

RowSpool::RowSpool() : file_(std::tmpfile()) {
  if (!file_) throw file_error("cannot create a temporary file");
}

RowSpool::~RowSpool() { std::fclose(file_); }

void RowSpool::append(std::string_view row) {
  if (std::fwrite(row.data(), 1, row.size(), file_) != row.size() || std::fputc('\n', file_) == EOF)
    throw file_error("cannot write a temporary file");
  ++rows_;
}

void RowSpool::for_each(const std::function<void(std::string_view)>& each) {
  if (std::fflush(file_) != 0 || std::fseek(file_, 0, SEEK_SET) != 0) throw file_error("cannot read a temporary file");
  struct Line {  // getline's buffer, which it grows with realloc
    char* data = nullptr;
    size_t capacity = 0;
    ~Line() { std::free(data); }
  } line;
  for (ssize_t length; (length = getline(&line.data, &line.capacity, file_)) > 0;)
    each(std::string_view(line.data, static_cast<size_t>(length) - (line.data[length - 1] == '\n')));
  if (std::ferror(file_)) throw file_error("cannot read a temporary file");
}

}  // namespace pgtote
