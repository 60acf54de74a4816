// `${VAR}` expansion for pgtote.yml and the .env reader it shares with connection resolution.
#include "pgtote/env_expansion.h"

#include <cstdlib>
#include <fstream>
#include <memory>
#include <sstream>

#include "pgtote/error.h"

namespace pgtote {

namespace {

std::string trim(const std::string& text) {
  size_t start = text.find_first_not_of(" \t");
  if (start == std::string::npos) return "";
  size_t end = text.find_last_not_of(" \t");
  return text.substr(start, end - start + 1);
}

// The value part of KEY=value: quoted (up to the closing quote) or bare (up to ` #`).
std::string dotenv_value(const std::string& raw) {
  std::string value = trim(raw);
  if (!value.empty() && (value[0] == '"' || value[0] == '\'')) {
    size_t close = value.find(value[0], 1);
    return value.substr(1, close == std::string::npos ? std::string::npos : close - 1);
  }
  size_t comment = value.find(" #");
  if (comment != std::string::npos) value = value.substr(0, comment);
  return trim(value);
}

bool is_name_start(char c) { return (c >= 'A' && c <= 'Z') || (c >= 'a' && c <= 'z') || c == '_'; }
bool is_name_char(char c) { return is_name_start(c) || (c >= '0' && c <= '9'); }

}  // namespace

std::map<std::string, std::string> parse_dotenv(const std::string& text) {
  std::map<std::string, std::string> variables;
  std::istringstream lines(text);
  std::string line;
  while (std::getline(lines, line)) {
    if (!line.empty() && line.back() == '\r') line.pop_back();
    line = trim(line);
    if (line.empty() || line[0] == '#') continue;
    if (line.rfind("export ", 0) == 0) line = trim(line.substr(7));
    size_t eq = line.find('=');
    if (eq == std::string::npos) continue;
    std::string name = trim(line.substr(0, eq));
    if (name.empty()) continue;
    variables[name] = dotenv_value(line.substr(eq + 1));
  }
  return variables;
}

std::string expand_variables(const std::string& text, const VariableLookup& lookup) {
  std::string out;
  size_t i = 0;
  while (i < text.size()) {
    if (text.compare(i, 3, "$${") == 0) {
      out += "${";
      i += 3;
      continue;
    }
    if (text.compare(i, 2, "${") != 0) {
      out += text[i++];
      continue;
    }
    size_t close = text.find('}', i + 2);
    if (close == std::string::npos)
      throw Error(ExitCode::usage, "'${' without its closing '}' (write $${ for a literal ${)");
    std::string inside = text.substr(i + 2, close - i - 2);
    size_t name_end = 0;
    while (name_end < inside.size() && is_name_char(inside[name_end])) ++name_end;
    std::string name = inside.substr(0, name_end);
    bool has_default = inside.compare(name_end, 2, ":-") == 0;
    if (name.empty() || !is_name_start(name[0]) || (name_end != inside.size() && !has_default))
      throw Error(ExitCode::usage, "'${" + inside + "}' is not ${NAME} or ${NAME:-default}");
    std::optional<std::string> value = lookup(name);
    if (has_default) {
      out += value && !value->empty() ? *value : inside.substr(name_end + 2);
    } else if (value) {
      out += *value;
    } else {
      throw Error(ExitCode::usage, "${" + name +
                                       "} is not set (neither in the environment nor in .env); set it, or write ${" +
                                       name + ":-default}");
    }
    i = close + 1;
  }
  return out;
}

VariableLookup environment_lookup(const std::string& dotenv_dir) {
  auto dotenv = std::make_shared<std::map<std::string, std::string>>();
  if (std::ifstream file(dotenv_dir + "/.env"); file) {
    std::stringstream text;
    text << file.rdbuf();
    *dotenv = parse_dotenv(text.str());
  }
  return [dotenv](const std::string& name) -> std::optional<std::string> {
    if (const char* value = std::getenv(name.c_str())) return std::string(value);
    auto found = dotenv->find(name);
    if (found == dotenv->end()) return std::nullopt;
    return found->second;
  };
}

}  // namespace pgtote
