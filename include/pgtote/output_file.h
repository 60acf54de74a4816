// A file that appears under its final name only when complete: written to a temporary name in
// the same folder, fsynced, then renamed. Abandoned (error, signal), the temporary is removed.
// Writes happen on a background thread, so encoding and disk I/O overlap; at most four chunks
// wait in memory.
#pragma once

#include <condition_variable>
#include <cstdio>
#include <deque>
#include <mutex>
#include <string>
#include <string_view>
#include <thread>
#include <vector>

namespace pgtote {

class OutputFile {
 public:
  // "-" writes to stdout. Throws Error(file) when the temporary cannot be created.
  explicit OutputFile(std::string path);
  ~OutputFile();
  OutputFile(const OutputFile&) = delete;
  OutputFile& operator=(const OutputFile&) = delete;

  void write(std::string_view bytes);  // throws Error(file), e.g. on a full disk
  void commit();                       // flush, fsync, rename to the final name
  const std::string& path() const { return path_; }

 private:
  void write_loop();
  void stop_writer();
  void throw_if_failed();

  std::string path_;
  std::string temp_path_;
  std::FILE* file_ = nullptr;
  bool committed_ = false;

  std::mutex mutex_;
  std::condition_variable changed_;
  std::deque<std::string> queue_;
  std::vector<std::string> spare_;
  bool closing_ = false;
  int error_ = 0;  // errno of the first failed write
  std::thread writer_;
};

// The temporary file being written, if any, for a signal handler to unlink (async-signal-safe).
const char* pending_temporary_file();

}  // namespace pgtote
