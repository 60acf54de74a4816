// The row-time half of anonymization: the plan says what each column gets; this applies it and
// keeps unique columns unique. Memory: one entry (two 64-bit fingerprints) per distinct output
// of a unique domain, only for transforms that are not bijections (hash of integers and uuids
// needs none).
#include "pgtote/anonymizer.h"

#include <map>
#include <mutex>
#include <stdexcept>

#include "pgtote/error.h"
#include "pgtote/fingerprint_map.h"

namespace pgtote {

namespace {
constexpr uint32_t max_attempts = 10000;

uint64_t fingerprint(std::string_view text) { return std::hash<std::string_view>{}(text); }
}  // namespace

// The outputs claimed in one unique column (and the references that follow it): output
// fingerprint -> the fingerprint of the input that claimed it.
struct Anonymizer::Domain {
  std::mutex mutex;
  FingerprintMap owner;
};

class Anonymizer::TableRewriter : public ValueRewriter {
 public:
  TableRewriter(const Anonymizer& anonymizer, size_t position) : anonymizer_(anonymizer), position_(position) {
    const auto& columns = anonymizer.plan_.tables[position].columns;
    for (const auto& c : columns) rewrites_.push_back(c.kind != TransformKind::keep && c.kind != TransformKind::sql);
  }
  bool rewrites(size_t column) const override { return column < rewrites_.size() && rewrites_[column]; }
  void rewrite(size_t column, bool& null, std::string_view& value, std::string& scratch) const override {
    anonymizer_.apply(position_, column, null, value, scratch);
  }

 private:
  const Anonymizer& anonymizer_;
  size_t position_;
  std::vector<bool> rewrites_;
};

Anonymizer::Anonymizer(const AnonymizePlan& plan, std::string_view salt, uint64_t output_space)
    : plan_(plan), transforms_(salt, output_space) {
  std::map<std::string, Domain*> by_name;
  for (size_t t = 0; t < plan.tables.size(); ++t) {
    const auto& table = plan.tables[t];
    rewriters_.push_back(table.any_client_side() ? std::make_unique<TableRewriter>(*this, t) : nullptr);
    domains_.emplace_back();
    json_paths_.emplace_back();
    for (const auto& column : table.columns) {
      json_paths_.back().emplace_back();
      for (const auto& p : column.json_paths) json_paths_.back().back().push_back(p.path);
      Domain* domain = nullptr;
      if (!column.unique_domain.empty()) {
        Domain*& slot = by_name[column.unique_domain];
        if (!slot) {
          owned_domains_.push_back(std::make_unique<Domain>());
          slot = owned_domains_.back().get();
        }
        domain = slot;
      }
      domains_.back().push_back(domain);
    }
  }
}

Anonymizer::~Anonymizer() = default;

const ValueRewriter* Anonymizer::table(size_t position) const {
  return position < rewriters_.size() ? rewriters_[position].get() : nullptr;
}

uint64_t Anonymizer::remembered_outputs() const {
  uint64_t n = 0;
  for (const auto& d : owned_domains_) {
    std::lock_guard lock(d->mutex);
    n += d->owner.size();
  }
  return n;
}

std::string Anonymizer::derive(const ColumnAnonymization& column, Domain* domain, std::string_view input) const {
  if (!domain) return transforms_.apply(column.kind, column.shape, input, 0);
  uint64_t input_print = fingerprint(input);
  for (uint32_t attempt = 0; attempt < max_attempts; ++attempt) {
    std::string candidate = transforms_.apply(column.kind, column.shape, input, attempt);
    if (column.looks_up) {
      // The key's table is read: its value claimed its output, or it has none. No lock: the
      // domain's claims are all made (a table that looks up is read after every table that claims
      // in its domain, AnonymizePlan::read_after), so it is only read now.
      const uint64_t* owner = domain->owner.find(fingerprint(candidate));
      if (!owner || *owner == input_print) return candidate;
      continue;
    }
    std::lock_guard lock(domain->mutex);
    auto [owner, claimed] = domain->owner.try_emplace(fingerprint(candidate), input_print);
    if (claimed || owner == input_print) return candidate;
  }
  throw Error(ExitCode::failure, "anonymizing " + column.name + ": no unused " + transform_kind_name(column.kind) +
                                     " value left after " + std::to_string(max_attempts) +
                                     " attempts (the column is unique)");
}

std::string Anonymizer::leaf(const JsonPathTransform& rule, std::string_view json) const {
  switch (rule.kind) {
    case TransformKind::keep:
      return std::string(json);
    case TransformKind::null:
      return "null";
    case TransformKind::value:
      return json_string_literal(rule.value);
    case TransformKind::hash: {
      char first = json.empty() ? ' ' : json[0];
      if (first == '"')
        return json_string_literal(transforms_.hash({ValueClass::text, -1}, json_string_contents(json), 0));
      if (first == '-' || (first >= '0' && first <= '9')) return transforms_.hash({ValueClass::decimal, -1}, json, 0);
      if (json == "true" || json == "false")
        return transforms_.hash({ValueClass::boolean, -1}, json, 0) == "t" ? "true" : "false";
      if (json == "null") return "null";
      return transforms_.hash({ValueClass::json, -1}, json, 0);
    }
    default:
      return json_string_literal(transforms_.apply(rule.kind, {ValueClass::text, -1},
                                                   json[0] == '"' ? json_string_contents(json) : std::string(json), 0));
  }
}

void Anonymizer::apply(size_t position, size_t column_index, bool& null, std::string_view& value,
                       std::string& scratch) const {
  const ColumnAnonymization& column = plan_.tables[position].columns[column_index];
  if (null || column.kind == TransformKind::keep || column.kind == TransformKind::sql) return;  // NULL stays NULL
  try {
    switch (column.kind) {
      case TransformKind::null:
        null = true;
        return;
      case TransformKind::value:
        value = column.value;
        return;
      case TransformKind::json: {
        scratch = rewrite_json_paths(
            value, json_paths_[position][column_index],
            [&](size_t path, std::string_view leaf_json) { return leaf(column.json_paths[path], leaf_json); });
        break;
      }
      default:
        scratch = derive(column, domains_[position][column_index], value);
    }
  } catch (const std::invalid_argument& e) {
    throw Error(ExitCode::failure, "anonymizing " + column.name + ": " + e.what());
  }
  value = scratch;
}

}  // namespace pgtote
