// Atomic file output for snapshots and reports.
#include "pgtote/output_file.h"

#include <unistd.h>

#include <cerrno>
#include <cstring>

#include "pgtote/compression.h"
#include "pgtote/error.h"

namespace pgtote {

namespace {
// Read by a signal handler: a fixed buffer, no allocation.
char pending_path[4096] = {0};

[[noreturn]] void fail(const std::string& what, const std::string& path) {
  throw Error(ExitCode::file, what + " " + path + ": " + std::strerror(errno));
}
}  // namespace

const char* pending_temporary_file() { return pending_path[0] ? pending_path : nullptr; }

OutputFile::OutputFile(std::string path) : path_(std::move(path)) {
  if (path_ == "-") {
    file_ = stdout;
    return;
  }
  temp_path_ = path_ + ".tmp-" + std::to_string(getpid());
  if (temp_path_.size() >= sizeof pending_path) throw Error(ExitCode::file, "output path too long: " + path_);
  file_ = std::fopen(temp_path_.c_str(), "wb");
  if (!file_) fail("cannot create", temp_path_);
  std::memcpy(pending_path, temp_path_.c_str(), temp_path_.size() + 1);
  std::setvbuf(file_, nullptr, _IOFBF, 1 << 20);
  compressor_ = Compressor::create(compression_for_path(path_), [this](std::string_view bytes) { write_raw(bytes); });
}

OutputFile::~OutputFile() {
  if (file_ && file_ != stdout) std::fclose(file_);
  if (!committed_ && !temp_path_.empty()) {
    std::remove(temp_path_.c_str());
    pending_path[0] = 0;
  }
}

void OutputFile::write(std::string_view bytes) {
  if (compressor_)
    compressor_->write(bytes);
  else
    write_raw(bytes);
}

void OutputFile::write_raw(std::string_view bytes) {
  if (std::fwrite(bytes.data(), 1, bytes.size(), file_) != bytes.size())
    fail("cannot write", file_ == stdout ? std::string("standard output") : temp_path_);
}

void OutputFile::commit() {
  if (compressor_) compressor_->finish();
  if (file_ == stdout) {
    if (std::fflush(stdout) != 0) fail("cannot write", "standard output");
    committed_ = true;
    return;
  }
  if (std::fflush(file_) != 0 || fsync(fileno(file_)) != 0) fail("cannot write", temp_path_);
  std::FILE* closing = file_;
  file_ = nullptr;
  if (std::fclose(closing) != 0) fail("cannot write", temp_path_);
  if (std::rename(temp_path_.c_str(), path_.c_str()) != 0) fail("cannot rename " + temp_path_ + " to", path_);
  committed_ = true;
  pending_path[0] = 0;
}

}  // namespace pgtote
