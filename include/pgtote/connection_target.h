// Which database a command talks to: --source/--target, else DATABASE_URL, else a .env file's
// DATABASE_URL, else libpq's own defaults (PG* variables). Also says which one, without its password.
#pragma once

#include <optional>
#include <string>

#include "pgtote/password_mask.h"

namespace pgtote {

struct ConnectionTarget {
  std::string conninfo;  // what libpq receives; may hold a password, never print it
  std::string origin;    // "--source", "pgtote.yml (source)", "DATABASE_URL", ".env", "PG* variables"
  std::optional<std::string> schema = std::nullopt;  // Prisma's ?schema=NAME, which selects that schema as -n does
};

// `flag` is the command-line value, `flag_name` its name for messages; `dotenv_dir` is where
// .env is looked for (the current folder).
ConnectionTarget resolve_connection(const std::optional<std::string>& flag, const std::string& flag_name,
                                    const std::string& dotenv_dir = ".");

// As resolve_connection, with a value from the config file between the flag and DATABASE_URL:
// `config_value` (empty: not set) read from `config_file`, which names it in messages.
ConnectionTarget resolve_connection_with_config(const std::optional<std::string>& flag, const std::string& flag_name,
                                                const std::optional<std::string>& config_value,
                                                const std::string& config_file, const std::string& dotenv_dir = ".");

// Reads DATABASE_URL from a .env file's text (KEY=value lines, optional `export`, quotes, comments).
std::optional<std::string> dotenv_database_url(const std::string& text);

// Drops URI query parameters that ORMs add and libpq rejects (Prisma's `schema=`...).
std::string strip_orm_parameters(const std::string& conninfo);

// Prisma's `?schema=NAME` in a URI, percent-decoded; nullopt without one (or with an empty one).
std::optional<std::string> orm_schema(const std::string& conninfo);

// A unix socket folder, localhost, 127.x.x.x or ::1: a host an import may write to without --yes.
bool is_local_host(const std::string& host);

// One line for stderr saying where the `role` ("source", "target") database came from, with the
// connection string masked: "source from DATABASE_URL (.env): postgresql://app:****@db/app".
std::string describe_connection(const ConnectionTarget& target, const std::string& role);

}  // namespace pgtote
