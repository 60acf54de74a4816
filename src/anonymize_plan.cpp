// Rule resolution for anonymization. A column that references a transformed key follows that key
// (so every reference still finds its row); a rule of its own may only agree, or set a nullable
// reference to NULL. Every problem is collected and reported together, before any row is read.
#include "pgtote/anonymize_plan.h"

#include <algorithm>
#include <functional>
#include <map>
#include <set>

#include "pgtote/error.h"
#include "pgtote/glob.h"
#include "pgtote/sql_quote.h"

namespace pgtote {

bool TableAnonymization::any_client_side() const {
  for (const auto& c : columns)
    if (c.kind != TransformKind::keep && c.kind != TransformKind::sql) return true;
  return false;
}

namespace {

std::string column_name(const std::string& schema, const std::string& table, const std::string& column) {
  return schema + "." + table + "." + column;
}

// "schema.table(a, b)" -> schema.table and its columns; false when malformed.
bool parse_table_columns(const std::string& text, std::string& table, std::vector<std::string>& columns) {
  size_t open = text.find('('), close = text.rfind(')');
  if (open == std::string::npos || close == std::string::npos || close < open) return false;
  table = text.substr(0, open);
  std::string inside = text.substr(open + 1, close - open - 1);
  size_t start = 0;
  while (start <= inside.size()) {
    size_t comma = inside.find(',', start);
    std::string part = inside.substr(start, comma == std::string::npos ? std::string::npos : comma - start);
    size_t a = part.find_first_not_of(' '), b = part.find_last_not_of(' ');
    if (a == std::string::npos) return false;
    columns.push_back(part.substr(a, b - a + 1));
    if (comma == std::string::npos) break;
    start = comma + 1;
  }
  return !table.empty() && !columns.empty();
}

struct Resolved {
  ColumnAnonymization plan;
  bool explicit_rule = false;  // a rule or keep named this column
  bool done = false, busy = false;
};

class Planner {
 public:
  Planner(const AnonymizeSpec& spec, const std::vector<const Table*>& tables,
          const std::vector<VirtualForeignKey>& virtual_foreign_keys)
      : spec_(spec), tables_(tables), rule_used_(spec.rules.size()), keep_used_(spec.keep.size()) {
    for (size_t t = 0; t < tables.size(); ++t)
      for (size_t c = 0; c < tables[t]->columns.size(); ++c)
        where_[column_name(tables[t]->schema, tables[t]->name, tables[t]->columns[c].name)] = {t, c};
    resolved_.resize(tables.size());
    for (size_t t = 0; t < tables.size(); ++t) {
      resolved_[t].resize(tables[t]->columns.size());
      const Table& table = *tables[t];
      for (const auto& key : table.unique_keys)
        for (const auto& c : key.columns) unique_.insert(column_name(table.schema, table.name, c));
      for (const auto& c : table.primary_key) unique_.insert(column_name(table.schema, table.name, c));
      for (const auto& fk : table.foreign_keys)
        for (size_t i = 0; i < fk.columns.size() && i < fk.ref_columns.size(); ++i)
          references_[column_name(table.schema, table.name, fk.columns[i])].push_back(
              column_name(fk.ref_schema, fk.ref_table, fk.ref_columns[i]));
    }
    for (const auto& vfk : virtual_foreign_keys) {
      std::string from_table, to_table;
      std::vector<std::string> from_columns, to_columns;
      if (!parse_table_columns(vfk.from, from_table, from_columns) ||
          !parse_table_columns(vfk.to, to_table, to_columns) || from_columns.size() != to_columns.size()) {
        problems_.push_back("virtual foreign key " + vfk.from + " -> " + vfk.to + " is not schema.table(col, ...)");
        continue;
      }
      for (size_t i = 0; i < from_columns.size(); ++i) {
        references_[from_table + "." + from_columns[i]].push_back(to_table + "." + to_columns[i]);
        virtual_references_.insert(from_table + "." + from_columns[i]);
      }
    }
  }

  // A reference read after its key's table looks its outputs up; the tables that still claim
  // outputs of one domain must be read in a fixed order. A unique column that references through
  // a virtual foreign key still claims: its values need not be in the key's table (a declared key
  // makes them be), and two such values must not meet on one output.
  void order_claims(AnonymizePlan& plan) const {
    std::map<std::string, size_t> key_table;  // unique domain -> the table of its own column
    for (size_t t = 0; t < plan.tables.size(); ++t)
      for (const auto& column : plan.tables[t].columns)
        if (!column.unique_domain.empty() && column.unique_domain == column.name) key_table[column.unique_domain] = t;
    plan.read_after.assign(plan.tables.size(), {});
    std::map<std::string, std::set<size_t>> claiming;
    for (size_t t = 0; t < plan.tables.size(); ++t)
      for (auto& column : plan.tables[t].columns) {
        if (column.unique_domain.empty()) continue;
        auto key = key_table.find(column.unique_domain);
        bool may_look_up = !(unique_.count(column.name) && virtual_references_.count(column.name));
        if (column.unique_domain != column.name && key != key_table.end() && key->second < t && may_look_up) {
          column.looks_up = true;
          auto& after = plan.read_after[t];
          if (std::find(after.begin(), after.end(), key->second) == after.end()) after.push_back(key->second);
        } else {
          claiming[column.unique_domain].insert(t);
        }
      }
    for (const auto& [domain, tables] : claiming) plan.shared_domains |= tables.size() > 1;
  }

  AnonymizePlan run() {
    AnonymizePlan plan;
    if (spec_.empty() && spec_.keep.empty() && !spec_.strict) return plan;
    std::vector<std::string> missing;
    for (size_t t = 0; t < tables_.size(); ++t) {
      const Table& table = *tables_[t];
      TableAnonymization out;
      for (size_t c = 0; c < table.columns.size(); ++c) {
        const Resolved& r = resolve(t, c);
        out.columns.push_back(r.plan);
        const Column& column = table.columns[c];
        std::string name = column_name(table.schema, table.name, column.name);
        if (r.plan.kind != TransformKind::keep) {
          std::string transform = transform_kind_name(r.plan.kind);
          if (!r.explicit_rule && !column.generated.empty()) transform += " (generated)";
          plan.transformed.push_back({table.schema, table.name, column.name, transform, r.plan.follows});
        } else if (spec_.strict && !r.explicit_rule && !is_key_column(table, column.name)) {
          missing.push_back(name);
        }
      }
      plan.tables.push_back(std::move(out));
    }
    order_claims(plan);
    if (spec_.salt.empty() && salted_)
      problems_.push_back(
          "the salt is empty: set one (salt: ${PGTOTE_SALT}), or hashes and fakes can be recomputed "
          "from guessed originals");
    if (!missing.empty()) {
      std::string list;
      for (const auto& m : missing) list += (list.empty() ? "" : ", ") + m;
      problems_.insert(problems_.begin(), "strict anonymization: " + std::to_string(missing.size()) +
                                              " column(s) have no rule and no keep: " + list);
    }
    if (!problems_.empty()) {
      std::string message = "anonymize: ";
      for (size_t i = 0; i < problems_.size(); ++i) message += (i ? "; " : "") + problems_[i];
      throw Error(ExitCode::usage, message);
    }
    for (size_t i = 0; i < spec_.rules.size(); ++i)
      if (!rule_used_[i]) plan.notes.push_back("anonymize: rule " + spec_.rules[i].pattern + " matched no column");
    for (size_t i = 0; i < spec_.keep.size(); ++i)
      if (!keep_used_[i]) plan.notes.push_back("anonymize: keep " + spec_.keep[i] + " matched no column");
    return plan;
  }

 private:
  bool is_key_column(const Table& table, const std::string& column) const {
    for (const auto& c : table.primary_key)
      if (c == column) return true;
    return references_.count(column_name(table.schema, table.name, column)) > 0;
  }

  // The column's own rule: the first matching rule, else a matching keep; nullopt when none.
  std::optional<ColumnAnonymization> own_rule(const std::string& name, bool mark_used) {
    for (size_t i = 0; i < spec_.rules.size(); ++i) {
      const AnonymizeRule& rule = spec_.rules[i];
      if (!glob_match(rule.pattern, name)) continue;
      if (mark_used) rule_used_[i] = true;
      ColumnAnonymization out;
      auto kind = transform_kind_from_name(rule.transform.kind);
      if (!kind) {
        problems_.push_back("rule " + rule.pattern + ": unknown transform '" + rule.transform.kind + "'");
        return out;
      }
      out.kind = *kind;
      out.value = rule.transform.value;
      for (const auto& jp : rule.json_paths) {
        JsonPathTransform path;
        path.path_text = jp.path;
        try {
          path.path = parse_json_path(jp.path);
        } catch (const std::invalid_argument& e) {
          problems_.push_back("rule " + rule.pattern + ": " + e.what());
        }
        auto leaf = transform_kind_from_name(jp.transform.kind);
        if (!leaf || *leaf == TransformKind::json || *leaf == TransformKind::sql)
          problems_.push_back("rule " + rule.pattern + ", path " + jp.path + ": '" + jp.transform.kind +
                              "' cannot apply to a JSON value (use null, value, hash, email, name, first_name, "
                              "last_name, phone, address, text or keep)");
        else
          path.kind = *leaf;
        path.value = jp.transform.value;
        out.json_paths.push_back(std::move(path));
      }
      return out;
    }
    for (size_t i = 0; i < spec_.keep.size(); ++i)
      if (glob_match(spec_.keep[i], name)) {
        if (mark_used) keep_used_[i] = true;
        return ColumnAnonymization{};
      }
    return std::nullopt;
  }

  // The effective transform of a column outside the export (a referenced key): its own rule.
  ColumnAnonymization outside(const std::string& name) {
    auto own = own_rule(name, false);
    ColumnAnonymization out = own.value_or(ColumnAnonymization{});
    if (out.kind != TransformKind::keep && unique_domain_kind(out)) out.unique_domain = name;
    return out;
  }

  static bool unique_domain_kind(const ColumnAnonymization& c) {
    return c.kind != TransformKind::keep && c.kind != TransformKind::null && c.kind != TransformKind::value &&
           c.kind != TransformKind::sql && c.kind != TransformKind::json && !transform_is_bijective(c.kind, c.shape);
  }

  static bool same_transform(const ColumnAnonymization& a, const ColumnAnonymization& b) {
    return a.kind == b.kind && a.value == b.value && a.unique_domain == b.unique_domain;
  }

  const Resolved& resolve(size_t t, size_t c) {
    Resolved& r = resolved_[t][c];
    if (r.done || r.busy) return r;  // busy: a reference cycle through key columns; it keeps its own rule
    r.busy = true;
    const Table& table = *tables_[t];
    const Column& column = table.columns[c];
    std::string name = column_name(table.schema, table.name, column.name);
    ValueShape shape = value_shape(column);
    auto own = own_rule(name, true);
    r.explicit_rule = own.has_value();
    ColumnAnonymization chosen = own.value_or(ColumnAnonymization{});
    chosen.shape = shape;

    // What the referenced key columns do.
    std::optional<ColumnAnonymization> inherited;
    std::string inherited_from, kept_reference;
    auto refs = references_.find(name);
    if (refs != references_.end()) {
      for (const auto& ref : refs->second) {
        ColumnAnonymization parent;
        if (auto w = where_.find(ref); w != where_.end())
          parent = resolve(w->second.first, w->second.second).plan;
        else
          parent = outside(ref);
        if (parent.kind == TransformKind::keep) {
          if (kept_reference.empty()) kept_reference = ref;
          continue;
        }
        if (parent.follows.empty()) parent.follows = ref;  // else the key it follows in turn
        parent.shape = shape;
        if (inherited && !same_transform(*inherited, parent) &&
            !(inherited->kind == parent.kind && transform_is_bijective(parent.kind, shape)))
          problems_.push_back(name + " references " + inherited_from + " and " + ref +
                              ", which are anonymized differently: give them the same rule");
        if (!inherited) {
          inherited = parent;
          inherited_from = ref;
        }
      }
    }
    // One column referring to a kept key and to a transformed one (a polymorphic reference whose
    // virtual foreign keys point at both): no single transform keeps both kinds of row joined.
    if (inherited && !kept_reference.empty())
      problems_.push_back(name + " references " + inherited_from + " (" + transform_kind_name(inherited->kind) +
                          ") and " + kept_reference + " (kept): a reference follows its key's transform, so " +
                          "give both keys the same rule");
    if (inherited) {
      bool nulled = own && own->kind == TransformKind::null && !column.not_null;
      if (own && !nulled && own->kind != TransformKind::keep && own->kind != inherited->kind)
        problems_.push_back("rule " + std::string(transform_kind_name(own->kind)) + " on " + name + " conflicts with " +
                            inherited->follows + ", which it references (" + transform_kind_name(inherited->kind) +
                            "): a reference follows its key's transform; drop the rule");
      if (!nulled) chosen = *inherited;
      r.explicit_rule = true;  // followed or nulled: never missing in strict mode
    } else if (own && refs != references_.end() && own->kind != TransformKind::keep &&
               own->kind != TransformKind::null) {
      problems_.push_back(std::string("rule ") + transform_kind_name(own->kind) + " on " + name +
                          " would break its reference to " + refs->second.front() +
                          ", which is kept: put the rule on the referenced key instead");
    } else if (!own && !column.generated.empty() && (!spec_.empty())) {
      chosen.kind = TransformKind::null;  // the target computes it again; its value could tell the original
    }
    check(column, name, chosen, own.has_value() && !inherited);
    if (inherited) {
      if (chosen.unique_domain.empty() && unique_domain_kind(chosen) && unique_.count(name))
        chosen.unique_domain = name;
    } else if (unique_domain_kind(chosen) && unique_.count(name)) {
      chosen.unique_domain = name;
    }
    if (transform_is_bijective(chosen.kind, chosen.shape)) chosen.unique_domain.clear();
    chosen.name = name;
    salted_ |= chosen.kind != TransformKind::keep && chosen.kind != TransformKind::null &&
               chosen.kind != TransformKind::value && chosen.kind != TransformKind::sql;
    r.plan = chosen;
    r.busy = false;
    r.done = true;
    return r;
  }

  void check(const Column& column, const std::string& name, const ColumnAnonymization& chosen, bool own) {
    const char* kind = transform_kind_name(chosen.kind);
    if (!transform_fits(chosen.kind, chosen.shape))
      problems_.push_back(std::string(kind) + " cannot keep the type " + column.type + " of " + name +
                          (chosen.kind == TransformKind::hash
                               ? " (hash keeps integers, uuid, text, numeric, float, money, bytea, boolean, json)"
                               : " (it writes text)") +
                          ": use null, value or sql");
    if (chosen.kind == TransformKind::null && column.not_null && column.generated.empty())
      problems_.push_back("null on " + name + ", which is NOT NULL");
    bool unique = unique_.count(name) > 0;
    if (own && unique && chosen.kind == TransformKind::value)
      problems_.push_back("value on " + name + " would give every row the same value, but the column is unique");
    if (own && (unique || references_.count(name)) &&
        (chosen.kind == TransformKind::sql || chosen.kind == TransformKind::json))
      problems_.push_back(std::string(kind) + " on key column " + name +
                          ": keys and references take hash, email, name... (transforms that stay unique)");
    if (chosen.kind == TransformKind::sql && chosen.value.empty())
      problems_.push_back("sql on " + name + " has no expression");
    if (chosen.kind == TransformKind::json && chosen.json_paths.empty())
      problems_.push_back("json on " + name + " has no paths");
  }

  const AnonymizeSpec& spec_;
  const std::vector<const Table*>& tables_;
  std::vector<bool> rule_used_, keep_used_;
  std::map<std::string, std::pair<size_t, size_t>> where_;
  std::map<std::string, std::vector<std::string>> references_;  // column -> the key columns it references
  std::set<std::string> unique_;
  std::set<std::string> virtual_references_;  // columns a virtual foreign key leaves
  std::vector<std::vector<Resolved>> resolved_;
  std::vector<std::string> problems_;
  bool salted_ = false;  // some column needs the salt
};

}  // namespace

AnonymizePlan plan_anonymization(const AnonymizeSpec& spec, const std::vector<const Table*>& tables,
                                 const std::vector<VirtualForeignKey>& virtual_foreign_keys) {
  return Planner(spec, tables, virtual_foreign_keys).run();
}

std::string sql_transform_expression(const Column& column, const ColumnAnonymization& transform) {
  return "CAST((" + transform.value + ") AS " + column.type + ")";
}

std::vector<std::string> anonymized_select_list(const Table& table, const TableAnonymization& plan) {
  std::vector<std::string> list;
  for (size_t i = 0; i < table.columns.size(); ++i) {
    const Column& column = table.columns[i];
    if (i < plan.columns.size() && plan.columns[i].kind == TransformKind::sql)
      list.push_back(sql_transform_expression(column, plan.columns[i]) + " AS " + quote_ident(column.name));
    else
      list.push_back(quote_ident(column.name));
  }
  return list;
}

}  // namespace pgtote
