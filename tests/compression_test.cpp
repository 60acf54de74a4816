// Compressed snapshots: streams round-trip, exports named .zst/.gz are compressed and read back
// the same by import and inspect, corrupt data is refused.
#include "pgtote/compression.h"

#include <doctest/doctest.h>

#include <fstream>

#include "pgtote/error.h"
#include "pgtote/importer.h"
#include "pgtote/snapshot_reader.h"
#include "test_db.h"

using namespace pgtote;

namespace {
std::string compress(Compression kind, const std::string& text) {
  std::string out;
  auto compressor = Compressor::create(kind, [&](std::string_view bytes) { out.append(bytes); });
  for (size_t at = 0; at < text.size(); at += 1000) compressor->write(std::string_view(text).substr(at, 1000));
  compressor->finish();
  return out;
}
std::string read_all(const std::string& bytes) {
  std::string path = test::temp_path("stream.bin");
  std::ofstream(path, std::ios::binary) << bytes;
  auto stream = InputStream::open(std::fopen(path.c_str(), "rb"), path);
  std::string out;
  char buffer[777];
  while (size_t n = stream->read(buffer, sizeof buffer)) out.append(buffer, n);
  return out;
}
}  // namespace

TEST_CASE("zstd and gzip streams round-trip, plain files pass through") {
  std::string text;
  for (int i = 0; i < 20000; ++i) text += "[" + std::to_string(i) + ",\"row\"],\n";
  CHECK(compression_for_path("a.json.zst") == Compression::zstd);
  CHECK(compression_for_path("a.json.gz") == Compression::gzip);
  CHECK(compression_for_path("-") == Compression::none);
  for (Compression kind : {Compression::zstd, Compression::gzip}) {
    std::string packed = compress(kind, text);
    CHECK(packed.size() * 4 < text.size());
    CHECK(read_all(packed) == text);
    CHECK_THROWS_AS(read_all(packed.substr(0, packed.size() / 2)), Error);
  }
  CHECK(read_all(text) == text);
  CHECK(read_all("") == "");
}

TEST_CASE("exports named .zst and .gz are compressed, and import and inspect read them [db]") {
  test::TestDatabase source, target;
  source.load_fixture("shapes.sql");
  source.load_fixture("types.sql");
  test::copy_schema(source, target);
  std::string plain = test::temp_path("plain.json");
  test::export_database(source, plain);
  for (const char* name : {"snap.json.zst", "snap.json.gz"}) {
    CAPTURE(name);
    std::string path = test::temp_path(name);
    test::export_database(source, path);
    std::string bytes = test::read_file(path);
    CHECK(bytes.size() * 2 < test::read_file(plain).size());
    CHECK(bytes.find("pgtote-snapshot") == std::string::npos);
    auto inspect = test::run_pgtote({"inspect", path});
    CHECK(inspect.exit_code == 0);
    CHECK(inspect.out.find("public.staff  rows 3") != std::string::npos);
  }
  ImportOptions options;
  options.target = {target.conninfo(), "test"};
  options.snapshot_path = test::temp_path("snap.json.zst");
  test::export_database(source, options.snapshot_path);
  options.progress = false;
  REQUIRE(run_import(options, [](const std::string&) {}).ok);
  CHECK(test::table_digests(target) == test::table_digests(source));
}
