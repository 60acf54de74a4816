// zstd and gzip streams. Compression level 3 (zstd) and 6 (gzip): fast, with most of the gain.
#include "pgtote/compression.h"

#include <zlib.h>
#include <zstd.h>

#include <cerrno>
#include <cstring>
#include <vector>

#include "pgtote/error.h"

namespace pgtote {

namespace {

bool ends_with(const std::string& text, const char* suffix) {
  size_t n = std::strlen(suffix);
  return text.size() >= n && text.compare(text.size() - n, n, suffix) == 0;
}

class ZstdCompressor : public Compressor {
 public:
  explicit ZstdCompressor(Sink sink) : sink_(std::move(sink)), stream_(ZSTD_createCCtx()), out_(ZSTD_CStreamOutSize()) {
    ZSTD_CCtx_setParameter(stream_, ZSTD_c_compressionLevel, 3);
    // One worker thread compresses while the caller encodes rows (ignored by a libzstd without threads).
    ZSTD_CCtx_setParameter(stream_, ZSTD_c_nbWorkers, 1);
  }
  ~ZstdCompressor() override { ZSTD_freeCCtx(stream_); }
  void write(std::string_view bytes) override { run(bytes, ZSTD_e_continue); }
  void finish() override { run({}, ZSTD_e_end); }

 private:
  void run(std::string_view bytes, ZSTD_EndDirective mode) {
    ZSTD_inBuffer in{bytes.data(), bytes.size(), 0};
    for (;;) {
      ZSTD_outBuffer out{out_.data(), out_.size(), 0};
      size_t left = ZSTD_compressStream2(stream_, &out, &in, mode);
      if (ZSTD_isError(left)) throw Error(ExitCode::failure, std::string("zstd: ") + ZSTD_getErrorName(left));
      if (out.pos) sink_(std::string_view(out_.data(), out.pos));
      if (mode == ZSTD_e_end ? left == 0 : in.pos == in.size) return;
    }
  }
  Sink sink_;
  ZSTD_CCtx* stream_;
  std::vector<char> out_;
};

class GzipCompressor : public Compressor {
 public:
  explicit GzipCompressor(Sink sink) : sink_(std::move(sink)), out_(1 << 16) {
    std::memset(&stream_, 0, sizeof stream_);
    if (deflateInit2(&stream_, 6, Z_DEFLATED, 15 + 16, 8, Z_DEFAULT_STRATEGY) != Z_OK)
      throw Error(ExitCode::failure, "gzip: cannot start compression");
  }
  ~GzipCompressor() override { deflateEnd(&stream_); }
  void write(std::string_view bytes) override { run(bytes, Z_NO_FLUSH); }
  void finish() override { run({}, Z_FINISH); }

 private:
  void run(std::string_view bytes, int flush) {
    stream_.next_in = reinterpret_cast<Bytef*>(const_cast<char*>(bytes.data()));
    stream_.avail_in = static_cast<uInt>(bytes.size());
    for (;;) {
      stream_.next_out = reinterpret_cast<Bytef*>(out_.data());
      stream_.avail_out = static_cast<uInt>(out_.size());
      int status = deflate(&stream_, flush);
      if (status == Z_STREAM_ERROR) throw Error(ExitCode::failure, "gzip: compression failed");
      size_t produced = out_.size() - stream_.avail_out;
      if (produced) sink_(std::string_view(out_.data(), produced));
      if (flush == Z_FINISH ? status == Z_STREAM_END : (stream_.avail_in == 0 && stream_.avail_out != 0)) return;
    }
  }
  Sink sink_;
  z_stream stream_;
  std::vector<char> out_;
};

class FileStream : public InputStream {
 public:
  FileStream(std::FILE* file, std::string name, std::string prefix)
      : file_(file), name_(std::move(name)), prefix_(std::move(prefix)) {}
  ~FileStream() override {
    if (file_ != stdin) std::fclose(file_);
  }
  size_t read(char* buffer, size_t size) override {
    if (!prefix_.empty()) {  // bytes read while sniffing the format
      size_t n = std::min(size, prefix_.size());
      std::memcpy(buffer, prefix_.data(), n);
      prefix_.erase(0, n);
      read_ += n;
      return n;
    }
    size_t got = std::fread(buffer, 1, size, file_);
    if (got == 0 && std::ferror(file_))
      throw Error(ExitCode::file, "cannot read " + name_ + ": " + std::strerror(errno));
    read_ += got;
    return got;
  }
  uint64_t file_bytes_read() const override { return read_; }

 private:
  std::FILE* file_;
  std::string name_;
  std::string prefix_;
  uint64_t read_ = 0;
};

class ZstdStream : public InputStream {
 public:
  ZstdStream(std::unique_ptr<InputStream> raw, std::string name)
      : raw_(std::move(raw)), name_(std::move(name)), stream_(ZSTD_createDCtx()), in_(ZSTD_DStreamInSize()) {}
  ~ZstdStream() override { ZSTD_freeDCtx(stream_); }
  uint64_t file_bytes_read() const override { return raw_->file_bytes_read(); }
  size_t read(char* buffer, size_t size) override {
    for (;;) {
      if (pos_ == filled_ && !eof_) {
        filled_ = raw_->read(in_.data(), in_.size());
        pos_ = 0;
        eof_ = filled_ == 0;
      }
      ZSTD_inBuffer in{in_.data(), filled_, pos_};
      ZSTD_outBuffer out{buffer, size, 0};
      size_t before = pos_;
      size_t status = ZSTD_decompressStream(stream_, &out, &in);
      if (ZSTD_isError(status))
        throw Error(ExitCode::bad_snapshot, "snapshot " + name_ + ": corrupt zstd data: " + ZSTD_getErrorName(status));
      pos_ = in.pos;
      if (in.pos != before || out.pos > 0) frame_done_ = status == 0;  // 0: a frame ended here
      if (out.pos > 0) return out.pos;
      if (eof_) {
        if (!frame_done_) throw Error(ExitCode::bad_snapshot, "snapshot " + name_ + ": the zstd stream is truncated");
        return 0;
      }
    }
  }

 private:
  std::unique_ptr<InputStream> raw_;
  std::string name_;
  ZSTD_DCtx* stream_;
  std::vector<char> in_;
  size_t filled_ = 0, pos_ = 0;
  bool eof_ = false;
  bool frame_done_ = true;  // an empty input is a complete (empty) stream
};

class GzipStream : public InputStream {
 public:
  GzipStream(std::unique_ptr<InputStream> raw, std::string name)
      : raw_(std::move(raw)), name_(std::move(name)), in_(1 << 16) {
    std::memset(&stream_, 0, sizeof stream_);
    if (inflateInit2(&stream_, 15 + 32) != Z_OK) throw Error(ExitCode::failure, "gzip: cannot start decompression");
  }
  ~GzipStream() override { inflateEnd(&stream_); }
  uint64_t file_bytes_read() const override { return raw_->file_bytes_read(); }
  size_t read(char* buffer, size_t size) override {
    if (done_) return 0;
    stream_.next_out = reinterpret_cast<Bytef*>(buffer);
    stream_.avail_out = static_cast<uInt>(size);
    while (stream_.avail_out == size) {
      if (stream_.avail_in == 0) {
        size_t got = raw_->read(in_.data(), in_.size());
        if (got == 0) throw Error(ExitCode::bad_snapshot, "snapshot " + name_ + ": the gzip stream is truncated");
        stream_.next_in = reinterpret_cast<Bytef*>(in_.data());
        stream_.avail_in = static_cast<uInt>(got);
      }
      int status = inflate(&stream_, Z_NO_FLUSH);
      if (status == Z_STREAM_END) {
        done_ = true;
        break;
      }
      if (status != Z_OK)
        throw Error(ExitCode::bad_snapshot,
                    "snapshot " + name_ + ": corrupt gzip data" + (stream_.msg ? std::string(": ") + stream_.msg : ""));
    }
    return size - stream_.avail_out;
  }

 private:
  std::unique_ptr<InputStream> raw_;
  std::string name_;
  z_stream stream_;
  std::vector<char> in_;
  bool done_ = false;
};

}  // namespace

Compression compression_for_path(const std::string& path) {
  if (ends_with(path, ".zst")) return Compression::zstd;
  if (ends_with(path, ".gz")) return Compression::gzip;
  return Compression::none;
}

std::unique_ptr<Compressor> Compressor::create(Compression kind, Sink sink) {
  switch (kind) {
    case Compression::zstd:
      return std::make_unique<ZstdCompressor>(std::move(sink));
    case Compression::gzip:
      return std::make_unique<GzipCompressor>(std::move(sink));
    case Compression::none:
      return nullptr;
  }
  return nullptr;
}

std::unique_ptr<InputStream> InputStream::open(std::FILE* file, std::string name) {
  char magic[4];
  size_t got = std::fread(magic, 1, sizeof magic, file);
  std::string prefix(magic, got);
  auto raw = std::make_unique<FileStream>(file, name, prefix);
  if (got == 4 && std::memcmp(magic, "\x28\xb5\x2f\xfd", 4) == 0)
    return std::make_unique<ZstdStream>(std::move(raw), name);
  if (got >= 2 && static_cast<unsigned char>(magic[0]) == 0x1f && static_cast<unsigned char>(magic[1]) == 0x8b)
    return std::make_unique<GzipStream>(std::move(raw), name);
  return raw;
}

}  // namespace pgtote
