// Resolution of the connection string, in the order pg tools and ORMs users expect.
#include "pgtote/connection_target.h"

#include <cstdlib>
#include <fstream>
#include <regex>
#include <sstream>

#include "pgtote/env_expansion.h"

namespace pgtote {

std::optional<std::string> dotenv_database_url(const std::string& text) {
  auto variables = parse_dotenv(text);
  auto found = variables.find("DATABASE_URL");
  if (found == variables.end()) return std::nullopt;
  return found->second;
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

ConnectionTarget resolve_connection_with_config(const std::optional<std::string>& flag, const std::string& flag_name,
                                                const std::optional<std::string>& config_value,
                                                const std::string& config_file, const std::string& dotenv_dir) {
  if (!flag && config_value && !config_value->empty()) {
    std::string key = flag_name.rfind("--", 0) == 0 ? flag_name.substr(2) : flag_name;
    return {strip_orm_parameters(*config_value), config_file + " (" + key + ")"};
  }
  return resolve_connection(flag, flag_name, dotenv_dir);
}

}  // namespace pgtote
