// Resolution of the connection string, in the order pg tools and ORMs users expect.
#include "pgtote/connection_target.h"

#include <cstdlib>
#include <fstream>
#include <sstream>
#include <vector>

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

// The query's name=value pairs, as written.
static std::vector<std::pair<std::string, std::string>> query_parameters(const std::string& conninfo) {
  std::vector<std::pair<std::string, std::string>> parameters;
  size_t q = uri_query_start(conninfo);
  if (!is_uri(conninfo) || q == std::string::npos) return parameters;
  std::stringstream query(conninfo.substr(q + 1));
  std::string parameter;
  while (std::getline(query, parameter, '&')) {
    size_t equals = parameter.find('=');
    parameters.emplace_back(parameter.substr(0, equals),
                            equals == std::string::npos ? "" : parameter.substr(equals + 1));
  }
  return parameters;
}

std::optional<std::string> orm_schema(const std::string& conninfo) {
  std::optional<std::string> schema;
  for (const auto& [name, value] : query_parameters(conninfo))
    if (name == "schema" && !value.empty()) schema = percent_decode(value);
  return schema;
}

static ConnectionTarget target_from(const std::string& conninfo, const std::string& origin) {
  return {strip_orm_parameters(conninfo), origin, orm_schema(conninfo)};
}

std::string strip_orm_parameters(const std::string& conninfo) {
  if (!is_uri(conninfo)) return conninfo;
  size_t q = uri_query_start(conninfo);
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

bool is_local_host(const std::string& host) {
  return host.empty() || host[0] == '/' || host == "localhost" || host.rfind("127.", 0) == 0 || host == "::1";
}

ConnectionTarget resolve_connection(const std::optional<std::string>& flag, const std::string& flag_name,
                                    const std::string& dotenv_dir) {
  if (flag) return target_from(*flag, flag_name);
  if (const char* env = std::getenv("DATABASE_URL"); env && *env) return target_from(env, "DATABASE_URL");
  std::ifstream dotenv(dotenv_dir + "/.env");
  if (dotenv) {
    std::stringstream text;
    text << dotenv.rdbuf();
    if (auto url = dotenv_database_url(text.str()); url && !url->empty()) return target_from(*url, ".env");
  }
  return {"", "PG* variables", std::nullopt};
}

ConnectionTarget resolve_connection_with_config(const std::optional<std::string>& flag, const std::string& flag_name,
                                                const std::optional<std::string>& config_value,
                                                const std::string& config_file, const std::string& dotenv_dir) {
  if (!flag && config_value && !config_value->empty()) {
    std::string key = flag_name.rfind("--", 0) == 0 ? flag_name.substr(2) : flag_name;
    return target_from(*config_value, config_file + " (" + key + ")");
  }
  return resolve_connection(flag, flag_name, dotenv_dir);
}

std::string describe_connection(const ConnectionTarget& target, const std::string& role) {
  std::string origin = target.origin == ".env" ? "DATABASE_URL in .env" : target.origin;
  std::string shown = mask_password(target.conninfo);
  if (target.conninfo.empty()) {
    // libpq's defaults: name the variables that are set (never PGPASSWORD's value).
    for (const char* name : {"PGHOST", "PGHOSTADDR", "PGPORT", "PGDATABASE", "PGUSER", "PGSERVICE"})
      if (const char* value = std::getenv(name); value && *value)
        shown += (shown.empty() ? "" : " ") + std::string(name) + "=" + value;
    if (shown.empty()) shown = "none set, libpq's defaults";
  }
  std::string line = role + " from " + origin + ": " + shown;
  if (target.schema) line += " (schema " + *target.schema + ", as -n " + *target.schema + ")";
  return line;
}

}  // namespace pgtote
