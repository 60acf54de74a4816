// Keyed hashing for anonymization: HMAC-SHA256 (OpenSSL) turns the salt into one key per purpose,
// and SipHash-2-4, a keyed pseudo-random function fast on short inputs, hashes each value.
#pragma once

#include <array>
#include <cstdint>
#include <string_view>

namespace pgtote {

// HMAC-SHA256(key, message). The only OpenSSL use in pgtote.
std::array<uint8_t, 32> hmac_sha256(std::string_view key, std::string_view message);

// A pseudo-random function of (tweak, data) under a key derived from a salt and a purpose
// ("hash:text", "email"...): the same salt and purpose give the same outputs in every run,
// another salt gives unrelated ones, and the salt cannot be read back from outputs.
class KeyedHash {
 public:
  KeyedHash() = default;
  KeyedHash(std::string_view salt, std::string_view purpose);
  uint64_t operator()(uint64_t tweak, std::string_view data) const;
  uint64_t operator()(uint64_t tweak, uint64_t value) const;

 private:
  uint64_t k0_ = 0, k1_ = 0;
};

}  // namespace pgtote
