// What a snapshot records of the subset it holds (header key "subset"): the definition it was
// exported with, and the null_outside references that were exported as NULL.
#pragma once

#include <cstdint>
#include <string>
#include <vector>

#include "pgtote/subset_spec.h"

namespace pgtote {

// A null_outside reference exported as NULL in `rows` rows: their parent is not in the subset.
struct SubsetCut {
  std::string schema, table, foreign_key;
  std::vector<std::string> columns;
  uint64_t rows = 0;
};

struct SubsetRecord {
  SubsetSpec spec;
  std::vector<SubsetCut> cuts;
};

}  // namespace pgtote
