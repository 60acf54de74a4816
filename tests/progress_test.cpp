// The progress line's text, without a terminal: what each step shows, and that it fits the width.
#include "pgtote/progress.h"

#include <doctest/doctest.h>

#include "pgtote/human_format.h"

using namespace pgtote;

TEST_CASE("progress_line: counted steps show rows, rate, bytes, and the file's share with the time left") {
  ProgressFrame frame;
  frame.step = {"staging", "public.User", place_text("table", 7, 18), ""};
  frame.rows = 123456;
  frame.bytes = 12345678;
  frame.seconds = 2;
  frame.file_read = 250;
  frame.file_size = 1000;
  frame.file_seconds = 10;
  CHECK(progress_line(frame, 200) ==
        "staging public.User (table 7 of 18): 123,456 rows, 61,728 rows/s, 12.3 MB | file 25%, ~30 s left");
  frame.file_read = 1000;  // read whole: no time left to show
  CHECK(progress_line(frame, 200) ==
        "staging public.User (table 7 of 18): 123,456 rows, 61,728 rows/s, 12.3 MB | file 100%");
  frame.file_read = 250;
  frame.file_seconds = 0.5;  // too early for an estimate
  CHECK(progress_line(frame, 200) ==
        "staging public.User (table 7 of 18): 123,456 rows, 61,728 rows/s, 12.3 MB | file 25%");
  frame.file_size = 0;  // standard input: no share
  frame.seconds = 0.1;  // too early for a rate
  CHECK(progress_line(frame, 200) == "staging public.User (table 7 of 18): 123,456 rows, 12.3 MB");
}

TEST_CASE("progress_line: a single statement shows its time, not counts it cannot know") {
  ProgressFrame frame;
  frame.step = {"merging", "public.User", "3 of 12 to write", "one statement, rows counted at its end"};
  frame.rows = 99;  // left from an earlier step: not shown
  frame.seconds = 75;
  CHECK(progress_line(frame, 200) ==
        "merging public.User (3 of 12 to write): 1m15s, one statement, rows counted at its end");
}

TEST_CASE("progress_line fits the width, shortening the table name before the numbers") {
  ProgressFrame frame;
  frame.step = {"copying", "public.a_very_long_table_name_that_does_not_fit", place_text("table", 1, 2), ""};
  frame.rows = 1000;
  frame.bytes = 2000;
  std::string line = progress_line(frame, 60);
  CHECK(display_width(line) <= 60);
  CHECK(line.find("(table 1 of 2): 1,000 rows, 2.0 kB") != std::string::npos);
  CHECK(line.rfind("copying public.a_very", 0) == 0);
  // Narrower than the numbers: the line is still cut to the width.
  CHECK(display_width(progress_line(frame, 20)) == 20);
  frame.step.subject.clear();
  CHECK(progress_line(frame, 200) == "copying (table 1 of 2): 1,000 rows, 2.0 kB");
}
