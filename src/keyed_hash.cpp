// HMAC-SHA256 for key derivation (once per purpose) and SipHash-2-4 per value (Aumasson and
// Bernstein, 2012): about 20 ns for a short value, where an HMAC costs a microsecond.
#include "pgtote/keyed_hash.h"

#include <openssl/evp.h>
#include <openssl/hmac.h>

#include <cstring>
#include <stdexcept>

namespace pgtote {

std::array<uint8_t, 32> hmac_sha256(std::string_view key, std::string_view message) {
  std::array<uint8_t, 32> out{};
  unsigned int length = 0;
  if (!HMAC(EVP_sha256(), key.data(), static_cast<int>(key.size()),
            reinterpret_cast<const unsigned char*>(message.data()), message.size(), out.data(), &length) ||
      length != out.size())
    throw std::runtime_error("HMAC-SHA256 failed (OpenSSL)");
  return out;
}

namespace {

uint64_t load64(const uint8_t* p) {
  uint64_t v;
  std::memcpy(&v, p, 8);
  return v;  // little-endian hosts (x86-64, arm64): the byte order SipHash specifies
}

inline uint64_t rotl(uint64_t x, int b) { return (x << b) | (x >> (64 - b)); }

struct SipState {
  uint64_t v0, v1, v2, v3;
  SipState(uint64_t k0, uint64_t k1)
      : v0(k0 ^ 0x736f6d6570736575ULL),
        v1(k1 ^ 0x646f72616e646f6dULL),
        v2(k0 ^ 0x6c7967656e657261ULL),
        v3(k1 ^ 0x7465646279746573ULL) {}
  void round() {
    v0 += v1;
    v1 = rotl(v1, 13);
    v1 ^= v0;
    v0 = rotl(v0, 32);
    v2 += v3;
    v3 = rotl(v3, 16);
    v3 ^= v2;
    v0 += v3;
    v3 = rotl(v3, 21);
    v3 ^= v0;
    v2 += v1;
    v1 = rotl(v1, 17);
    v1 ^= v2;
    v2 = rotl(v2, 32);
  }
  void block(uint64_t m) {
    v3 ^= m;
    round();
    round();
    v0 ^= m;
  }
  uint64_t finish() {
    v2 ^= 0xff;
    round();
    round();
    round();
    round();
    return v0 ^ v1 ^ v2 ^ v3;
  }
};

// SipHash-2-4 of the 8 bytes of `tweak` followed by `data`.
uint64_t siphash(uint64_t k0, uint64_t k1, uint64_t tweak, std::string_view data) {
  SipState s(k0, k1);
  s.block(tweak);
  const auto* p = reinterpret_cast<const uint8_t*>(data.data());
  size_t n = data.size();
  for (; n >= 8; n -= 8, p += 8) s.block(load64(p));
  uint64_t last = static_cast<uint64_t>((data.size() + 8) & 0xff) << 56;
  for (size_t i = 0; i < n; ++i) last |= static_cast<uint64_t>(p[i]) << (8 * i);
  s.block(last);
  return s.finish();
}

}  // namespace

KeyedHash::KeyedHash(std::string_view salt, std::string_view purpose) {
  std::string message = "pgtote anonymize v1\n";
  message.append(purpose);
  auto key = hmac_sha256(salt, message);
  k0_ = load64(key.data());
  k1_ = load64(key.data() + 8);
}

uint64_t KeyedHash::operator()(uint64_t tweak, std::string_view data) const { return siphash(k0_, k1_, tweak, data); }

uint64_t KeyedHash::operator()(uint64_t tweak, uint64_t value) const {
  char bytes[8];
  std::memcpy(bytes, &value, 8);
  return siphash(k0_, k1_, tweak, std::string_view(bytes, 8));
}

}  // namespace pgtote
