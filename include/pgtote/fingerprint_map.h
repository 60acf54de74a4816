// A hash map from one 64-bit fingerprint to another, for the anonymizer's unique domains: open
// addressing with linear probing, so a lookup among millions of entries costs one cache line
// where a node-based map chased a pointer per entry in the bucket.
#pragma once

#include <cstddef>
#include <cstdint>
#include <utility>
#include <vector>

namespace pgtote {

class FingerprintMap {
 public:
  // The value stored for `key`, or nullptr.
  const uint64_t* find(uint64_t key) const {
    if (slots_.empty()) return nullptr;
    for (size_t i = slot_of(key);; i = (i + 1) & mask_) {
      const Slot& slot = slots_[i];
      if (!slot.used) return nullptr;
      if (slot.key == key) return &slot.value;
    }
  }
  // Stores `value` for `key` unless the key is there: the stored value, and whether it was stored.
  std::pair<uint64_t, bool> try_emplace(uint64_t key, uint64_t value) {
    if ((size_ + 1) * 2 > slots_.size()) grow();
    for (size_t i = slot_of(key);; i = (i + 1) & mask_) {
      Slot& slot = slots_[i];
      if (!slot.used) {
        slot = {key, value, true};
        ++size_;
        return {value, true};
      }
      if (slot.key == key) return {slot.value, false};
    }
  }
  size_t size() const { return size_; }

 private:
  struct Slot {
    uint64_t key = 0, value = 0;
    bool used = false;
  };
  size_t slot_of(uint64_t key) const { return static_cast<size_t>(key ^ (key >> 29)) & mask_; }
  void grow() {
    std::vector<Slot> old = std::move(slots_);
    slots_.assign(old.empty() ? 1024 : old.size() * 2, Slot{});
    mask_ = slots_.size() - 1;
    size_ = 0;
    for (const Slot& slot : old)
      if (slot.used) try_emplace(slot.key, slot.value);
  }
  std::vector<Slot> slots_;
  size_t mask_ = 0;
  size_t size_ = 0;
};

}  // namespace pgtote
