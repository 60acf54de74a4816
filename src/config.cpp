// Reads pgtote.yml into plain settings and specs; the only user of the YAML library (yaml-cpp),
// so every message about the file names its line and key the same way.
#include "pgtote/config.h"

#include <yaml-cpp/yaml.h>

#include <algorithm>
#include <cctype>
#include <charconv>
#include <cstdint>
#include <filesystem>
#include <fstream>
#include <set>
#include <sstream>

#include "pgtote/error.h"

namespace pgtote {

namespace {

const std::vector<std::string> salted_transforms = {"hash",      "email", "name",    "first_name",
                                                    "last_name", "phone", "address", "text"};

std::string join(const std::vector<std::string>& items) {
  std::string out;
  for (const auto& item : items) out += (out.empty() ? "" : ", ") + item;
  return out;
}

std::string type_name(const YAML::Node& node) {
  switch (node.Type()) {
    case YAML::NodeType::Null:
      return "nothing (null)";
    case YAML::NodeType::Scalar:
      return "a single value";
    case YAML::NodeType::Sequence:
      return "a list";
    case YAML::NodeType::Map:
      return "a map";
    default:
      return "nothing";
  }
}

// Walks the document with the file's name and the variables, so each error says where it is.
class ConfigReader {
 public:
  ConfigReader(std::string name, const VariableLookup& lookup) : name_(std::move(name)), lookup_(lookup) {}

  // Throws the error for `node` (at `key`, "subset.start[0].limit"). An empty value has no
  // position of its own: it is reported on its key's line.
  [[noreturn]] void fail(const YAML::Node& node, const std::string& key, const std::string& message) const {
    int line = node.Mark().line;
    if (line < 0 && keys_.count(key)) line = keys_.at(key).Mark().line;
    std::string where = name_ + (line >= 0 ? ":" + std::to_string(line + 1) : "");
    throw Error(ExitCode::usage, where + ": " + (key.empty() ? "" : key + ": ") + message);
  }

  // The map's entries in file order, after refusing keys outside `known` (empty: any key, for
  // maps keyed by table or column names) and repeated keys.
  std::vector<std::pair<std::string, YAML::Node>> entries(const YAML::Node& map, const std::string& key,
                                                          const std::vector<std::string>& known) const {
    std::vector<std::pair<std::string, YAML::Node>> out;
    if (map.IsNull()) return out;
    if (!map.IsMap()) fail(map, key, "expected a map, found " + type_name(map));
    std::set<std::string> seen;
    for (const auto& entry : map) {
      if (!entry.first.IsScalar())
        fail(entry.first, key, "a key must be a single value, found " + type_name(entry.first));
      std::string name = entry.first.Scalar();
      std::string path = key.empty() ? name : key + "." + name;
      if (!known.empty() && std::find(known.begin(), known.end(), name) == known.end())
        fail(entry.first, "",
             "unknown key '" + path + "' (" + (key.empty() ? "top level" : key) + " takes: " + join(known) + ")");
      if (!seen.insert(name).second) fail(entry.first, "", "'" + path + "' is given twice");
      out.emplace_back(name, entry.second);
      keys_[path] = entry.first;
    }
    return out;
  }

  std::string text(const YAML::Node& node, const std::string& key) const {
    if (!node.IsScalar()) fail(node, key, "expected a single value, found " + type_name(node));
    try {
      return expand_variables(node.Scalar(), lookup_);
    } catch (const Error& e) {
      fail(node, key, e.what());
    }
  }

  std::optional<std::string> optional_text(const YAML::Node& node, const std::string& key) const {
    if (node.IsNull()) return std::nullopt;
    return text(node, key);
  }

  bool boolean(const YAML::Node& node, const std::string& key) const {
    std::string value = node.IsScalar() ? text(node, key) : "";
    std::transform(value.begin(), value.end(), value.begin(), [](unsigned char c) { return std::tolower(c); });
    if (value == "true") return true;
    if (value == "false") return false;
    fail(node, key, "expected true or false");
  }

  uint64_t whole_number(const YAML::Node& node, const std::string& key, uint64_t min, uint64_t max) const {
    std::string value = node.IsScalar() ? text(node, key) : "";
    uint64_t number = 0;
    auto [end, error] = std::from_chars(value.data(), value.data() + value.size(), number);
    if (value.empty() || error != std::errc() || end != value.data() + value.size() || number < min || number > max)
      fail(node, key,
           "expected a whole number " + (max == UINT64_MAX
                                             ? "of at least " + std::to_string(min)
                                             : "from " + std::to_string(min) + " to " + std::to_string(max)));
    return number;
  }

  std::vector<std::string> texts(const YAML::Node& node, const std::string& key) const {
    if (!node.IsSequence()) fail(node, key, "expected a list of values ([a, b]), found " + type_name(node));
    std::vector<std::string> out;
    for (size_t i = 0; i < node.size(); ++i) out.push_back(text(node[i], key + "[" + std::to_string(i) + "]"));
    return out;
  }

  // "schema.table" or, with `columns`, "schema.table(col, ...)": how the config names a table or
  // one foreign key. Returns the number of columns named.
  size_t table_reference(const YAML::Node& node, const std::string& reference, const std::string& key,
                         bool columns) const {
    size_t open = reference.find('(');
    bool has_columns = open != std::string::npos;
    bool well_formed =
        !reference.empty() && open != 0 && (!has_columns || (reference.back() == ')' && reference.size() > open + 2));
    if (!well_formed || (has_columns && !columns))
      fail(node, key,
           "'" + reference + "' is not " + (columns ? "schema.table or schema.table(column, ...)" : "schema.table"));
    if (!has_columns) return 0;
    return static_cast<size_t>(std::count(reference.begin() + open, reference.end(), ',')) + 1;
  }

  void read_top(const YAML::Node& root, Config& config) const;
  void read_subset(const YAML::Node& node, SubsetSpec& subset) const;
  void read_anonymize(const YAML::Node& node, AnonymizeSpec& anonymize) const;
  void read_match(const YAML::Node& node, std::vector<MatchRule>& rules) const;
  AnonymizeTransform transform(const YAML::Node& node, const std::string& key,
                               std::vector<AnonymizeJsonPath>* json_paths) const;

 private:
  std::string name_;
  const VariableLookup& lookup_;
  mutable std::map<std::string, YAML::Node> keys_;  // "subset.start" -> its key node, for lines
};

void ConfigReader::read_top(const YAML::Node& root, Config& config) const {
  static const std::vector<std::string> known = {"source",
                                                 "target",
                                                 "tables",
                                                 "exclude_tables",
                                                 "schemas",
                                                 "skip_audit",
                                                 "audit_patterns",
                                                 "include_migration_tables",
                                                 "jobs",
                                                 "subset",
                                                 "anonymize",
                                                 "match",
                                                 "match_map_schema"};
  for (const auto& [key, value] : entries(root, "", known)) {
    if (value.IsNull()) continue;  // `key:` with nothing after it: not set
    if (key == "source" || key == "target") {
      std::string conninfo = text(value, key);
      if (!conninfo.empty()) (key == "source" ? config.source : config.target) = conninfo;
    } else if (key == "tables") {
      config.tables = texts(value, key);
    } else if (key == "exclude_tables") {
      config.exclude_tables = texts(value, key);
    } else if (key == "schemas") {
      config.schemas = texts(value, key);
    } else if (key == "audit_patterns") {
      config.audit_patterns = texts(value, key);
    } else if (key == "skip_audit") {
      config.skip_audit = boolean(value, key);
    } else if (key == "include_migration_tables") {
      config.include_migration_tables = boolean(value, key);
    } else if (key == "jobs") {
      config.jobs = static_cast<int>(whole_number(value, key, 1, 64));
    } else if (key == "subset") {
      read_subset(value, config.subset);
    } else if (key == "anonymize") {
      read_anonymize(value, config.anonymize);
    } else if (key == "match") {
      read_match(value, config.match);
    } else if (key == "match_map_schema") {
      config.match_map_schema = text(value, key);
      if (config.match_map_schema->empty()) fail(value, key, "expected a schema name");
    }
  }
}

// match: { schema.table: [column, ...] | new }
void ConfigReader::read_match(const YAML::Node& node, std::vector<MatchRule>& rules) const {
  for (const auto& [table, value] : entries(node, "match", {})) {
    std::string path = "match." + table;
    const YAML::Node& key_node = keys_.at(path);
    int line = key_node.Mark().line;
    std::string where = name_ + (line >= 0 ? ":" + std::to_string(line + 1) : "") + ": " + path;
    if (value.IsScalar() && text(value, path) == "new") {
      rules.push_back(make_match_rule(table, {}, true, where));
    } else if (value.IsSequence()) {
      rules.push_back(make_match_rule(table, texts(value, path), false, where));
    } else {
      fail(value, path, "expected a list of the business key's columns ([email]) or new, found " + type_name(value));
    }
  }
}

void ConfigReader::read_subset(const YAML::Node& node, SubsetSpec& subset) const {
  for (const auto& [key, value] : entries(node, "subset", {"start", "children", "parents", "virtual_foreign_keys"})) {
    std::string path = "subset." + key;
    if (value.IsNull()) continue;
    if ((key == "start" || key == "virtual_foreign_keys") && !value.IsSequence())
      fail(value, path, "expected a list (- table: ...), found " + type_name(value));
    if (key == "start") {
      for (size_t i = 0; i < value.size(); ++i) {
        std::string item = path + "[" + std::to_string(i) + "]";
        SubsetStart start;
        bool has_table = false;
        for (const auto& [field, field_value] : entries(value[i], item, {"table", "where", "limit", "order_by"})) {
          std::string field_path = item + "." + field;
          if (field == "table") {
            start.table = text(field_value, field_path);
            table_reference(field_value, start.table, field_path, false);
            has_table = true;
          } else if (field == "where") {
            start.where = optional_text(field_value, field_path).value_or("");
          } else if (field == "limit") {
            start.limit = whole_number(field_value, field_path, 1, UINT64_MAX);
          } else {
            start.order_by = optional_text(field_value, field_path).value_or("");
          }
        }
        if (!has_table) fail(value[i], item, "each start entry needs `table: schema.table`");
        if (!start.order_by.empty() && !start.limit)
          fail(value[i], item, "order_by chooses the rows `limit` keeps: give limit too");
        subset.start.push_back(std::move(start));
      }
    } else if (key == "children") {
      for (const auto& [edge, rule_node] : entries(value, path, {})) {
        std::string rule_path = path + "." + edge;
        table_reference(keys_.at(rule_path), edge, rule_path, true);
        SubsetChildRule rule{edge, true, std::nullopt};
        if (rule_node.IsMap()) {
          for (const auto& [field, field_value] : entries(rule_node, rule_path, {"follow", "limit_per_parent"})) {
            if (field == "follow")
              rule.follow = boolean(field_value, rule_path + ".follow");
            else
              rule.limit_per_parent = whole_number(field_value, rule_path + ".limit_per_parent", 1, UINT64_MAX);
          }
        } else if (rule_node.IsScalar()) {
          rule.follow = boolean(rule_node, rule_path);
        } else {
          fail(rule_node, rule_path, "expected true, false or { limit_per_parent: N }");
        }
        subset.children.push_back(std::move(rule));
      }
    } else if (key == "parents") {
      for (const auto& [edge, mode_node] : entries(value, path, {})) {
        std::string mode_path = path + "." + edge;
        if (table_reference(keys_.at(mode_path), edge, mode_path, true) == 0)
          fail(keys_.at(mode_path), mode_path, "name one foreign key by its columns: schema.table(column, ...)");
        if (!mode_node.IsScalar() || text(mode_node, mode_path) != "null_outside")
          fail(mode_node, mode_path, "the only mode is null_outside");
        subset.parents[edge] = "null_outside";
      }
    } else {
      for (size_t i = 0; i < value.size(); ++i) {
        std::string item = path + "[" + std::to_string(i) + "]";
        VirtualForeignKey key_spec;
        for (const auto& [field, field_value] : entries(value[i], item, {"from", "to", "when"})) {
          std::string field_path = item + "." + field;
          if (field == "when")
            key_spec.when = optional_text(field_value, field_path).value_or("");
          else
            (field == "from" ? key_spec.from : key_spec.to) = text(field_value, field_path);
        }
        if (key_spec.from.empty() || key_spec.to.empty())
          fail(value[i], item, "needs from: schema.table(column, ...) and to: schema.table(column, ...)");
        size_t from_columns = table_reference(value[i]["from"], key_spec.from, item + ".from", true);
        size_t to_columns = table_reference(value[i]["to"], key_spec.to, item + ".to", true);
        if (from_columns == 0 || from_columns != to_columns)
          fail(value[i], item, "from and to name the same number of columns, in parentheses");
        subset.virtual_foreign_keys.push_back(std::move(key_spec));
      }
    }
  }
}

AnonymizeTransform ConfigReader::transform(const YAML::Node& node, const std::string& key,
                                           std::vector<AnonymizeJsonPath>* json_paths) const {
  static const std::string forms =
      "null, keep, hash, email, name, first_name, last_name, phone, address, text, { value: X }, { sql: EXPRESSION }";
  if (node.IsNull()) return {"null", ""};
  if (node.IsScalar()) {
    std::string kind = text(node, key);
    if (kind == "null" || kind == "keep" ||
        std::find(salted_transforms.begin(), salted_transforms.end(), kind) != salted_transforms.end())
      return {kind, ""};
    fail(node, key, "unknown transform '" + kind + "' (one of: " + forms + (json_paths ? ", { json: {...} })" : ")"));
  }
  if (!node.IsMap() || node.size() != 1)
    fail(node, key, "a transform is one of: " + forms + (json_paths ? ", { json: { \"$.path\": TRANSFORM } }" : ""));
  std::vector<std::string> known = {"value", "sql"};
  if (json_paths) known.push_back("json");
  auto [form, value] = entries(node, key, known).front();
  if (form == "value") {
    if (value.IsNull()) return {"null", ""};
    return {"value", text(value, key + ".value")};
  }
  if (form == "sql") {
    std::string expression = value.IsNull() ? "" : text(value, key + ".sql");
    if (expression.empty()) fail(value, key + ".sql", "expected an SQL expression");
    return {"sql", expression};
  }
  if (!value.IsMap() || value.size() == 0)
    fail(value, key + ".json", "expected a map of JSON paths to transforms ({ \"$.a.b\": email })");
  for (const auto& [path, path_transform] : entries(value, key + ".json", {})) {
    if (path.empty() || path[0] != '$')
      fail(keys_.at(key + ".json." + path), key + ".json", "'" + path + "' is not a JSON path ($.field...)");
    json_paths->push_back({path, transform(path_transform, key + ".json." + path, nullptr)});
  }
  return {"json", ""};
}

void ConfigReader::read_anonymize(const YAML::Node& node, AnonymizeSpec& anonymize) const {
  auto salted = [](const AnonymizeTransform& t) {
    return std::find(salted_transforms.begin(), salted_transforms.end(), t.kind) != salted_transforms.end();
  };
  std::string first_salted;  // the first rule that needs the salt, to name it when there is none
  for (const auto& [key, value] : entries(node, "anonymize", {"salt", "strict", "keep", "rules"})) {
    std::string path = "anonymize." + key;
    if (value.IsNull()) continue;
    if (key == "salt") {
      anonymize.salt = text(value, path);
    } else if (key == "strict") {
      anonymize.strict = boolean(value, path);
    } else if (key == "keep") {
      anonymize.keep = texts(value, path);
    } else {
      for (const auto& [pattern, transform_node] : entries(value, path, {})) {
        std::string rule_path = path + "." + pattern;
        if (pattern.empty()) fail(keys_.at(rule_path), path, "a rule needs a schema.table.column pattern");
        AnonymizeRule rule;
        rule.pattern = pattern;
        rule.transform = transform(transform_node, rule_path, &rule.json_paths);
        bool uses_salt = salted(rule.transform) || std::any_of(rule.json_paths.begin(), rule.json_paths.end(),
                                                               [&](const auto& p) { return salted(p.transform); });
        if (uses_salt && first_salted.empty()) first_salted = rule_path;
        anonymize.rules.push_back(std::move(rule));
      }
    }
  }
  if (!first_salted.empty() && anonymize.salt.empty())
    fail(keys_.at(first_salted), first_salted,
         "this rule makes values from a salt, and anonymize has none: add salt: ${PGTOTE_SALT} (and set "
         "PGTOTE_SALT in the environment or .env)");
}

}  // namespace

Config parse_config(const std::string& text, const std::string& name, const VariableLookup& lookup) {
  YAML::Node root;
  try {
    std::vector<YAML::Node> documents = YAML::LoadAll(text);
    if (documents.size() > 1)
      throw Error(ExitCode::usage, name + ":" + std::to_string(documents[1].Mark().line + 1) +
                                       ": one YAML document only (a second starts here, after ---)");
    if (!documents.empty()) root = documents[0];
  } catch (const YAML::Exception& e) {
    std::string where = name + (e.mark.is_null() ? "" : ":" + std::to_string(e.mark.line + 1));
    throw Error(ExitCode::usage, where + ": not valid YAML: " + e.msg);
  }
  Config config;
  config.path = name;
  ConfigReader reader(name, lookup);
  if (!root.IsNull() && !root.IsMap())
    reader.fail(root, "", "expected keys (source:, tables:, subset:...), found " + type_name(root));
  try {
    reader.read_top(root, config);
  } catch (const YAML::Exception& e) {  // a node the reader did not expect to be invalid
    throw Error(ExitCode::usage, name + ": " + e.msg);
  }
  return config;
}

Config load_config(const std::optional<std::string>& flag, const std::string& dir) {
  std::string path = flag ? *flag : dir + "/" + default_config_file;
  std::string shown = flag ? *flag : std::string(default_config_file);
  if (!flag && !std::filesystem::exists(path)) return {};
  std::ifstream file(path);
  if (!file) throw Error(ExitCode::file, "cannot read the config file " + shown + " (--config)");
  std::stringstream text;
  text << file.rdbuf();
  return parse_config(text.str(), shown, environment_lookup(dir));
}

}  // namespace pgtote
