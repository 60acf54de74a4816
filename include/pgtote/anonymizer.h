// Applies an AnonymizePlan to the values an export reads, between COPY and encoding. Keeps, per
// unique domain, which input claimed each output, so a collision is re-derived, never written.
#pragma once

#include <cstdint>
#include <memory>
#include <string>
#include <string_view>
#include <vector>

#include "pgtote/anonymize_plan.h"
#include "pgtote/snapshot_writer.h"
#include "pgtote/value_transforms.h"

namespace pgtote {

class Anonymizer {
 public:
  // `plan` must outlive the anonymizer. `output_space` > 0 narrows hash and email outputs
  // (tests of collisions).
  Anonymizer(const AnonymizePlan& plan, std::string_view salt, uint64_t output_space = 0);
  ~Anonymizer();

  // The rewriter for the plan's table at `position`, or nullptr when that table has no
  // client-side transform. Safe to use from several threads at once.
  const ValueRewriter* table(size_t position) const;

  // Transforms one value of column `column` of the table at `position`: `null` and `value` in,
  // the new ones out (`scratch` may hold the text). Throws Error naming the column when the
  // value is malformed or a unique domain has no free output left.
  void apply(size_t position, size_t column, bool& null, std::string_view& value, std::string& scratch) const;

  // Outputs remembered for unique domains (memory: about 50 bytes each).
  uint64_t remembered_outputs() const;

 private:
  struct Domain;
  class TableRewriter;
  std::string leaf(const JsonPathTransform& rule, std::string_view json) const;
  std::string derive(const ColumnAnonymization& column, Domain* domain, std::string_view input) const;
  const AnonymizePlan& plan_;
  ValueTransforms transforms_;
  std::vector<std::unique_ptr<TableRewriter>> rewriters_;
  std::vector<std::vector<Domain*>> domains_;                   // per table and column; nullptr: none
  std::vector<std::vector<std::vector<JsonPath>>> json_paths_;  // per table and column (json transforms)
  std::vector<std::unique_ptr<Domain>> owned_domains_;
};

}  // namespace pgtote
