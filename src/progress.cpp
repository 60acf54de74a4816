// Progress display. Writes to stderr directly: it is the user's live view, not a result.
#include "pgtote/progress.h"

#include <sys/ioctl.h>
#include <unistd.h>

#include <algorithm>
#include <cstdio>
#include <cstdlib>

#include "pgtote/human_format.h"

namespace pgtote {

std::string place_text(const std::string& unit, size_t position, size_t count) {
  return unit + " " + std::to_string(position) + " of " + std::to_string(count);
}

std::string progress_line(const ProgressFrame& frame, size_t width) {
  const ProgressStep& step = frame.step;
  std::string line;
  if (!step.place.empty()) line += " (" + step.place + ")";
  if (!step.waiting.empty()) {
    line += ": " + format_duration(frame.seconds) + ", " + step.waiting;
  } else {
    line += ": " + with_thousands(frame.rows) + " rows";
    if (frame.seconds >= 0.5)
      line += ", " + with_thousands(static_cast<uint64_t>(frame.rows / frame.seconds)) + " rows/s";
    line += ", " + format_bytes(frame.bytes);
  }
  if (frame.file_size > 0) {
    uint64_t read = std::min(frame.file_read, frame.file_size);
    line += " | file " + std::to_string(read * 100 / frame.file_size) + "%";
    // The first second's pace says little (buffers filling): no estimate before it.
    auto left = remaining_seconds(read, frame.file_size, frame.file_seconds);
    if (left && *left > 0 && frame.file_seconds >= 1) line += ", ~" + format_duration(*left) + " left";
  }
  std::string head = step.action;
  if (!step.subject.empty()) {
    size_t fixed = display_width(head) + 1 + display_width(line);
    head += " " + clip_to_width(step.subject, std::max<size_t>(fixed < width ? width - fixed : 0, 12));
  }
  return clip_to_width(head + line, width);
}

size_t terminal_width() {
  winsize size{};
  if (ioctl(STDERR_FILENO, TIOCGWINSZ, &size) == 0 && size.ws_col > 0) return size.ws_col;
  if (const char* columns = std::getenv("COLUMNS")) {
    long value = std::strtol(columns, nullptr, 10);
    if (value > 0) return static_cast<size_t>(value);
  }
  return 80;
}

Progress::Progress(bool wanted) : enabled_(wanted && isatty(STDERR_FILENO)) {
  if (enabled_) ticker_ = std::thread([this] { tick(); });
}

Progress::~Progress() {
  if (!enabled_) return;
  {
    std::lock_guard lock(mutex_);
    stopping_ = true;
  }
  wake_.notify_all();
  ticker_.join();
  if (drawn_) std::fputs("\r\033[K", stderr);
  std::fflush(stderr);
}

void Progress::start(ProgressStep step) {
  if (!enabled_) return;
  std::lock_guard lock(mutex_);
  step_ = std::move(step);
  step_started_ = Clock::now();
  rows_ = 0;
  bytes_ = 0;
  draw();
}

void Progress::wait(std::string waiting) {
  if (!enabled_) return;
  std::lock_guard lock(mutex_);
  step_.waiting = std::move(waiting);
  step_started_ = Clock::now();
  draw();
}

void Progress::rename(std::string subject, std::string place) {
  if (!enabled_) return;
  std::lock_guard lock(mutex_);
  step_.subject = std::move(subject);
  step_.place = std::move(place);
}

void Progress::tick() {
  std::unique_lock lock(mutex_);
  while (!stopping_) {
    wake_.wait_for(lock, std::chrono::milliseconds(200));
    if (!stopping_ && !step_.action.empty()) draw();
  }
}

void Progress::draw() {
  auto now = Clock::now();
  ProgressFrame frame{step_,
                      rows_.load(std::memory_order_relaxed),
                      bytes_.load(std::memory_order_relaxed),
                      std::chrono::duration<double>(now - step_started_).count(),
                      file_read_.load(std::memory_order_relaxed),
                      file_size_.load(std::memory_order_relaxed),
                      std::chrono::duration<double>(now - created_).count()};
  // One column short of the width: writing the last column makes some terminals wrap.
  size_t width = terminal_width();
  if (width < 2) return;  // no column to spare: nothing is drawn rather than a line that wraps
  std::string line = "\r" + progress_line(frame, width - 1) + "\033[K";
  std::fputs(line.c_str(), stderr);
  std::fflush(stderr);
  drawn_ = true;
}

}  // namespace pgtote
