// Entry point: the one place that prints a failure and picks the exit code.
#include <unistd.h>

#include <csignal>
#include <cstring>
#include <exception>
#include <iostream>

#include "pgtote/cli.h"
#include "pgtote/error.h"
#include "pgtote/output_file.h"

namespace {

// SIGINT/SIGTERM: remove the half-written file and leave; the server rolls back our
// transaction when the connection drops. Only async-signal-safe calls here.
extern "C" void on_signal(int) {
  if (const char* temporary = pgtote::pending_temporary_file()) unlink(temporary);
  const char message[] = "\npgtote: interrupted; nothing was kept\n";
  [[maybe_unused]] auto ignored = write(STDERR_FILENO, message, sizeof message - 1);
  _exit(static_cast<int>(pgtote::ExitCode::interrupted));
}

}  // namespace

int main(int argc, char** argv) {
  std::signal(SIGINT, on_signal);
  std::signal(SIGTERM, on_signal);
  std::signal(SIGPIPE, SIG_IGN);
  try {
    return pgtote::run_cli(argc, argv);
  } catch (const pgtote::Error& e) {
    std::cerr << "pgtote: error: " << e.what() << "\n";
    return static_cast<int>(e.code());
  } catch (const std::exception& e) {
    std::cerr << "pgtote: error: " << e.what() << "\n";
    return static_cast<int>(pgtote::ExitCode::failure);
  }
}
