// A file that appears under its final name only when complete: written to a temporary name in
// the same folder, fsynced, then renamed. Abandoned (error, signal), the temporary is removed.
// A name ending in .zst or .gz is written compressed.
#pragma once

#include <cstdio>
#include <memory>
#include <string>
#include <string_view>

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
  void write_raw(std::string_view bytes);
  std::string path_;
  std::string temp_path_;
  std::FILE* file_ = nullptr;
  bool committed_ = false;
  std::unique_ptr<class Compressor> compressor_;
};

// The temporary file being written, if any, for a signal handler to unlink (async-signal-safe).
const char* pending_temporary_file();

}  // namespace pgtote
