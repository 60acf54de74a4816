// The anonymizer's fingerprint map against std::unordered_map, through growth and probe chains.
#include "pgtote/fingerprint_map.h"

#include <doctest/doctest.h>

#include <random>
#include <unordered_map>

using namespace pgtote;

TEST_CASE("fingerprint map: finds what it stored, keeps the first value, through growth and collisions") {
  FingerprintMap map;
  std::unordered_map<uint64_t, uint64_t> expected;
  CHECK(map.find(0) == nullptr);
  std::mt19937_64 random(7);
  for (int i = 0; i < 200000; ++i) {
    // Keys that share their low bits probe along one chain; 0 is a key like any other.
    uint64_t key = i % 3 == 0 ? (random() << 20) : i % 3 == 1 ? random() : static_cast<uint64_t>(i % 1000);
    uint64_t value = random();
    auto [stored, inserted] = map.try_emplace(key, value);
    auto [it, reference_inserted] = expected.try_emplace(key, value);
    REQUIRE(inserted == reference_inserted);
    REQUIRE(stored == it->second);
  }
  CHECK(map.size() == expected.size());
  for (const auto& [key, value] : expected) {
    const uint64_t* found = map.find(key);
    REQUIRE(found != nullptr);
    CHECK(*found == value);
  }
  for (int i = 0; i < 1000; ++i) {
    uint64_t key = random() | 1;
    CHECK((map.find(key) != nullptr) == (expected.count(key) > 0));
  }
}
