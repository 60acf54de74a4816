// libFuzzer target: any bytes as a snapshot. The reader and the value decoder must either accept
// them or refuse them with pgtote::Error / std::invalid_argument; anything else (a crash, a
// sanitizer report, another exception) is a bug. Built and run by scripts/fuzz.sh.
#include <unistd.h>

#include <cstdint>
#include <cstdio>
#include <stdexcept>
#include <string>
#include <vector>

#include "pgtote/error.h"
#include "pgtote/snapshot_reader.h"
#include "pgtote/value_codec.h"

namespace {
const std::string& input_path() {
  static const std::string path = "/tmp/pgtote-fuzz-input-" + std::to_string(getpid()) + ".json";
  return path;
}
}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  {
    std::FILE* file = std::fopen(input_path().c_str(), "wb");
    if (!file) return 0;
    std::fwrite(data, 1, size, file);
    std::fclose(file);
  }
  try {
    pgtote::SnapshotReader reader(input_path());
    pgtote::Table table;
    std::vector<pgtote::JsonValue> row;
    std::string text;
    while (reader.next_table(table)) {
      while (reader.next_row(row)) {
        for (size_t i = 0; i < row.size() && i < table.columns.size(); ++i) {
          text.clear();
          try {
            pgtote::decode_value(table.columns[i].encoding, table.columns[i].element_encoding, row[i], text,
                                 reader.info().version);
          } catch (const std::invalid_argument&) {
          }
        }
      }
    }
  } catch (const pgtote::Error&) {
  }
  try {
    pgtote::parse_json_value(std::string_view(reinterpret_cast<const char*>(data), size));
  } catch (const pgtote::Error&) {
  }
  return 0;
}
