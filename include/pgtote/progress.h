// The live status line on stderr while a command works: which table, its place among the others,
// rows, bytes and rate, and how much of the snapshot file is read with the time left. Redrawn in
// place, within the terminal's width, only when stderr is a terminal.
#pragma once

#include <atomic>
#include <chrono>
#include <condition_variable>
#include <cstdint>
#include <mutex>
#include <string>
#include <thread>

namespace pgtote {

// One step of the work, as the line names it.
struct ProgressStep {
  std::string action;   // "staging", "copying", "merging", "rehearsing", "exporting"
  std::string subject;  // the table or tables
  std::string place;    // "table 7 of 18": where the step stands among the others
  // Set while the server works on one statement whose rows are known only when it ends: the line
  // shows the time so far and this ("one statement, rows counted at its end") instead of counts
  // it cannot have.
  std::string waiting;
};

// What one redraw shows.
struct ProgressFrame {
  ProgressStep step;
  uint64_t rows = 0;
  uint64_t bytes = 0;
  double seconds = 0;  // in this step
  uint64_t file_read = 0;
  uint64_t file_size = 0;   // 0: no file, or one of unknown size (standard input)
  double file_seconds = 0;  // since reading the file began
};

// "staging public.User (table 7 of 18): 1,234 rows, 5,600 rows/s, 1.2 MB | file 45%, ~1m20s left",
// at most `width` columns: a long table name is shortened first, so the numbers stay in view.
std::string progress_line(const ProgressFrame& frame, size_t width);
// "table 7 of 18".
std::string place_text(const std::string& unit, size_t position, size_t count);
// Columns of the terminal on stderr: its window size, else $COLUMNS, else 80.
size_t terminal_width();

class Progress {
 public:
  // Enabled only if `wanted` (not -q) and stderr is a terminal; otherwise every call does nothing.
  explicit Progress(bool wanted);
  ~Progress();  // stops the redraws and clears the line
  Progress(const Progress&) = delete;
  Progress& operator=(const Progress&) = delete;

  // A new step: its counts and clock start from zero.
  void start(ProgressStep step);
  // The step's rows are all sent; the server works on them now (`waiting` says how): the line
  // shows the time this takes, from zero.
  void wait(std::string waiting);
  // Changes what the step names without resetting its counts (a parallel export's tables).
  void rename(std::string subject, std::string place);
  // Cheap enough per row (relaxed stores); a timer thread redraws five times a second, so the
  // time still moves while one long statement runs.
  void update(uint64_t rows, uint64_t bytes) {
    rows_.store(rows, std::memory_order_relaxed);
    bytes_.store(bytes, std::memory_order_relaxed);
  }
  // From several threads at once: adds to the step's counts.
  void add(uint64_t rows, uint64_t bytes) {
    rows_.fetch_add(rows, std::memory_order_relaxed);
    bytes_.fetch_add(bytes, std::memory_order_relaxed);
  }
  // How far into the snapshot file reading is; `size` 0 when unknown.
  void file(uint64_t read, uint64_t size) {
    file_read_.store(read, std::memory_order_relaxed);
    file_size_.store(size, std::memory_order_relaxed);
  }
  bool enabled() const { return enabled_; }

 private:
  using Clock = std::chrono::steady_clock;
  void tick();
  void draw();  // with mutex_ held

  bool enabled_;
  std::mutex mutex_;
  std::condition_variable wake_;
  bool stopping_ = false;
  bool drawn_ = false;
  ProgressStep step_;
  Clock::time_point created_ = Clock::now(), step_started_ = created_;
  std::atomic<uint64_t> rows_{0}, bytes_{0}, file_read_{0}, file_size_{0};
  std::thread ticker_;  // last: started once everything it reads exists
};

}  // namespace pgtote
