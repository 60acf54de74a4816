// Atomic file output for snapshots and reports, with writes on a background thread.
#include "pgtote/output_file.h"

#include <unistd.h>

#include <cerrno>
#include <cstring>

#include "pgtote/error.h"

namespace pgtote {

namespace {
// Read by a signal handler: a fixed buffer, no allocation.
char pending_path[4096] = {0};
constexpr size_t max_queued_chunks = 4;

[[noreturn]] void fail(const std::string& what, const std::string& path, int error) {
  throw Error(ExitCode::file, what + " " + path + ": " + std::strerror(error));
}
}  // namespace

const char* pending_temporary_file() { return pending_path[0] ? pending_path : nullptr; }

OutputFile::OutputFile(std::string path) : path_(std::move(path)) {
  if (path_ == "-") {
    file_ = stdout;
  } else {
    temp_path_ = path_ + ".tmp-" + std::to_string(getpid());
    if (temp_path_.size() >= sizeof pending_path) throw Error(ExitCode::file, "output path too long: " + path_);
    file_ = std::fopen(temp_path_.c_str(), "wb");
    if (!file_) fail("cannot create", temp_path_, errno);
    std::memcpy(pending_path, temp_path_.c_str(), temp_path_.size() + 1);
  }
  writer_ = std::thread([this] { write_loop(); });
}

OutputFile::~OutputFile() {
  stop_writer();
  if (file_ && file_ != stdout) std::fclose(file_);
  if (!committed_ && !temp_path_.empty()) {
    std::remove(temp_path_.c_str());
    pending_path[0] = 0;
  }
}

void OutputFile::write_loop() {
  std::unique_lock lock(mutex_);
  for (;;) {
    changed_.wait(lock, [this] { return !queue_.empty() || closing_; });
    if (queue_.empty()) return;
    std::string chunk = std::move(queue_.front());
    queue_.pop_front();
    changed_.notify_all();
    if (error_) continue;  // keep draining so writers never wait forever
    lock.unlock();
    bool ok = std::fwrite(chunk.data(), 1, chunk.size(), file_) == chunk.size();
    int error = errno;
    lock.lock();
    if (!ok) error_ = error ? error : EIO;
    chunk.clear();
    spare_.push_back(std::move(chunk));  // reused: fresh megabyte buffers would each cost page faults
  }
}

void OutputFile::stop_writer() {
  if (!writer_.joinable()) return;
  {
    std::lock_guard lock(mutex_);
    closing_ = true;
  }
  changed_.notify_all();
  writer_.join();
}

void OutputFile::throw_if_failed() {
  if (error_) fail("cannot write", file_ == stdout ? std::string("standard output") : temp_path_, error_);
}

void OutputFile::write(std::string_view bytes) {
  std::unique_lock lock(mutex_);
  changed_.wait(lock, [this] { return queue_.size() < max_queued_chunks || error_; });
  throw_if_failed();
  std::string chunk;
  if (!spare_.empty()) {
    chunk = std::move(spare_.back());
    spare_.pop_back();
  }
  chunk.assign(bytes);
  queue_.push_back(std::move(chunk));
  changed_.notify_all();
}

void OutputFile::commit() {
  stop_writer();
  throw_if_failed();
  if (file_ == stdout) {
    if (std::fflush(stdout) != 0) fail("cannot write", "standard output", errno);
    committed_ = true;
    return;
  }
  if (std::fflush(file_) != 0 || fsync(fileno(file_)) != 0) fail("cannot write", temp_path_, errno);
  std::FILE* closing = file_;
  file_ = nullptr;
  if (std::fclose(closing) != 0) fail("cannot write", temp_path_, errno);
  if (std::rename(temp_path_.c_str(), path_.c_str()) != 0) fail("cannot rename " + temp_path_ + " to", path_, errno);
  committed_ = true;
  pending_path[0] = 0;
}

}  // namespace pgtote
