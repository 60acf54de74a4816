// Compressed snapshots, chosen by file name when writing (.zst, .gz) and by magic bytes when
// reading, both streaming. The only module that uses libzstd and zlib.
#pragma once

#include <cstdint>
#include <cstdio>
#include <functional>
#include <memory>
#include <string>
#include <string_view>

namespace pgtote {

enum class Compression { none, zstd, gzip };

// .zst -> zstd, .gz -> gzip, anything else (and "-") -> none.
Compression compression_for_path(const std::string& path);

// Compresses bytes on their way to `sink`. finish() writes the last frame.
class Compressor {
 public:
  using Sink = std::function<void(std::string_view)>;
  static std::unique_ptr<Compressor> create(Compression kind, Sink sink);  // nullptr for none
  virtual ~Compressor() = default;
  virtual void write(std::string_view bytes) = 0;
  virtual void finish() = 0;
};

// Reads a file's bytes, decompressed when it starts with a zstd or gzip header.
class InputStream {
 public:
  // Takes ownership of `file` (not of stdin). `name` is for messages.
  static std::unique_ptr<InputStream> open(std::FILE* file, std::string name);
  virtual ~InputStream() = default;
  // Up to `size` bytes; 0 at the end. Throws Error(bad_snapshot) on corrupt compressed data.
  virtual size_t read(char* buffer, size_t size) = 0;
  // Bytes taken from the file so far, compressed or not: how far into the file reading is.
  virtual uint64_t file_bytes_read() const = 0;
};

}  // namespace pgtote
