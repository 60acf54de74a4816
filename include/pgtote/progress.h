// One redrawn status line on stderr while rows stream, only when stderr is a terminal.
#pragma once

#include <chrono>
#include <cstdint>
#include <string>

namespace pgtote {

class Progress {
 public:
  // Enabled only if `wanted` (not -q) and stderr is a terminal.
  explicit Progress(bool wanted);
  void start(const std::string& table);
  // Cheap to call per row: redraws at most ten times a second.
  void update(uint64_t rows, uint64_t bytes) {
    if (enabled_ && (rows & 1023) == 0) redraw(rows, bytes, false);
  }
  void finish(uint64_t rows, uint64_t bytes);
  ~Progress();

 private:
  void redraw(uint64_t rows, uint64_t bytes, bool force);
  bool enabled_;
  bool drawn_ = false;
  std::string table_;
  std::chrono::steady_clock::time_point started_, last_;
};

}  // namespace pgtote
