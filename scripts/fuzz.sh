#!/usr/bin/env bash
# Fuzzes the snapshot reader and value decoder with libFuzzer (clang) under AddressSanitizer and
# UndefinedBehaviorSanitizer, for a bounded time. scripts/test.sh calls it.
#   scripts/fuzz.sh [SECONDS]   (default 30)
set -euo pipefail
cd "$(dirname "$0")/.."
seconds=${1:-30}
source scripts/lib/deps.sh
install_deps clang libclang-rt-14-dev

out=build-fuzz
mkdir -p "$out/corpus"
cp tests/fuzz/corpus/* "$out/corpus/"
simdjson_flags=$(pkg-config --cflags --libs simdjson 2>/dev/null || echo -lsimdjson)
clang++ -std=c++20 -O1 -g -fsanitize=fuzzer,address,undefined -fno-sanitize-recover=undefined \
  -msse4.2 -mpclmul -Iinclude -I/usr/include/rapidjson -DRAPIDJSON_SSE42 \
  tests/fuzz/snapshot_reader_fuzz.cpp src/snapshot_reader.cpp src/json_framer.cpp src/value_codec.cpp \
  src/json_writer.cpp src/json_codec.cpp src/json_syntax.cpp src/compression.cpp $simdjson_flags -lzstd -lz -o "$out/snapshot_reader_fuzz"
echo "fuzzing the snapshot reader for ${seconds}s"
"$out/snapshot_reader_fuzz" -max_total_time="$seconds" -max_len=4096 -timeout=10 -print_final_stats=1 \
  "$out/corpus" 2>"$out/fuzz.log" || { tail -40 "$out/fuzz.log" >&2; exit 1; }
grep -E "^stat::number_of_executed_units|^Done" "$out/fuzz.log" || true
rm -f /tmp/pgtote-fuzz-input-*.json
