// Resolution of the connection string, in the order pg tools and ORMs users expect.
#include "pgtote/connection_target.h"

#include <cstdlib>
#include <fstream>
#include <regex>
#include <sstream>

namespace pgtote {

std::optional<std::string> dotenv_database_url(const std::string& text) {
  std::istringstream lines(text);
  std::string line;
  std::optional<std::string> found;
  while (std::getline(lines, line)) {
    if (!line.empty() && line.back() == '\r') line.pop_back();
    size_t start = line.find_first_not_of(" \t");
    if (start == std::string::npos || line[start] == '#') continue;
    line = line.substr(start);
    if (line.rfind("export ", 0) == 0) line = line.substr(7);
    size_t eq = line.find('=');
    if (eq == std::string::npos) continue;
    std::string name = line.substr(0, eq);
    while (!name.empty() && (name.back() == ' ' || name.back() == '\t')) name.pop_back();
    if (name != "DATABASE_URL") continue;
    std::string value = line.substr(eq + 1);
    size_t vstart = value.find_first_not_of(" \t");
    value = vstart == std::string::npos ? "" : value.substr(vstart);
    if (!value.empty() && (value[0] == '"' || value[0] == '\'')) {
      size_t close = value.find(value[0], 1);
      value = value.substr(1, close == std::string::npos ? std::string::npos : close - 1);
    } else {
      size_t comment = value.find(" #");
      if (comment != std::string::npos) value = value.substr(0, comment);
      while (!value.empty() && (value.back() == ' ' || value.back() == '\t')) value.pop_back();
    }
    found = value;  // the last assignment wins, as in shells
  }
  return found;
}

static bool is_uri(const std::string& conninfo) {
  return conninfo.rfind("postgres://", 0) == 0 || conninfo.rfind("postgresql://", 0) == 0;
}

std::string strip_orm_parameters(const std::string& conninfo) {
  if (!is_uri(conninfo)) return conninfo;
  size_t q = conninfo.find('?');
  if (q == std::string::npos) return conninfo;
  static const char* dropped[] = {"schema",         "connection_limit",     "pool_timeout", "pgbouncer",
                                  "socket_timeout", "statement_cache_size", "sslaccept"};
  std::string kept;
  std::stringstream params(conninfo.substr(q + 1));
  std::string param;
  while (std::getline(params, param, '&')) {
    std::string name = param.substr(0, param.find('='));
    bool drop = false;
    for (const char* d : dropped) drop = drop || name == d;
    if (drop || param.empty()) continue;
    kept += (kept.empty() ? "" : "&") + param;
  }
  return conninfo.substr(0, q) + (kept.empty() ? "" : "?" + kept);
}

std::string mask_password(const std::string& conninfo) {
  if (is_uri(conninfo)) {
    // scheme://user:password@host -> scheme://user:****@host
    static const std::regex userinfo(R"(^(postgres(?:ql)?://[^:@/]*:)[^@/]*@)");
    std::string out = std::regex_replace(conninfo, userinfo, "$1****@");
    static const std::regex query(R"(([?&]password=)[^&]*)");
    return std::regex_replace(out, query, "$1****");
  }
  static const std::regex keyword(R"((password\s*=\s*)('(?:[^'\\]|\\.)*'|\S*))");
  return std::regex_replace(conninfo, keyword, "$1****");
}

bool is_local_host(const std::string& host) {
  return host.empty() || host[0] == '/' || host == "localhost" || host.rfind("127.", 0) == 0 || host == "::1";
}

ConnectionTarget resolve_connection(const std::optional<std::string>& flag, const std::string& flag_name,
                                    const std::string& dotenv_dir) {
  if (flag) return {strip_orm_parameters(*flag), flag_name};
  if (const char* env = std::getenv("DATABASE_URL"); env && *env) return {strip_orm_parameters(env), "DATABASE_URL"};
  std::ifstream dotenv(dotenv_dir + "/.env");
  if (dotenv) {
    std::stringstream text;
    text << dotenv.rdbuf();
    if (auto url = dotenv_database_url(text.str()); url && !url->empty()) return {strip_orm_parameters(*url), ".env"};
  }
  return {"", "PG* defaults"};
}

}  // namespace pgtote
