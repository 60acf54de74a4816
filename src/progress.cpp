// Progress display. Writes to stderr directly: it is the user's live view, not a result.
#include "pgtote/progress.h"

#include <unistd.h>

#include <cstdio>

namespace pgtote {

Progress::Progress(bool wanted) : enabled_(wanted && isatty(STDERR_FILENO)) {}

Progress::~Progress() {
  if (drawn_) std::fputs("\r\033[K", stderr);
}

void Progress::start(const std::string& table) {
  table_ = table;
  started_ = last_ = std::chrono::steady_clock::now();
  if (enabled_) redraw(0, 0, true);
}

void Progress::finish(uint64_t rows, uint64_t bytes) {
  if (enabled_) redraw(rows, bytes, true);
}

void Progress::redraw(uint64_t rows, uint64_t bytes, bool force) {
  auto now = std::chrono::steady_clock::now();
  if (!force && now - last_ < std::chrono::milliseconds(100)) return;
  last_ = now;
  double seconds = std::chrono::duration<double>(now - started_).count();
  double rate = seconds > 0 ? rows / seconds : 0;
  std::fprintf(stderr, "\r\033[K%s: %llu rows, %.0f rows/s, %.1f MB", table_.c_str(),
               static_cast<unsigned long long>(rows), rate, bytes / 1e6);
  std::fflush(stderr);
  drawn_ = true;
}

}  // namespace pgtote
