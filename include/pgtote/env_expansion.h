// `${VAR}` and `${VAR:-default}` in pgtote.yml values, read from the environment and then from a
// .env file, so secrets stay out of the config file. Expansion and .env parsing are pure.
#pragma once

#include <functional>
#include <map>
#include <optional>
#include <string>

namespace pgtote {

// A variable's value, or nullopt when it is not set.
using VariableLookup = std::function<std::optional<std::string>(const std::string& name)>;

// KEY=value lines of a .env file: optional `export`, single or double quotes, `#` comments, CRLF.
// When a key repeats, the last assignment wins, as in shells.
std::map<std::string, std::string> parse_dotenv(const std::string& text);

// Replaces each `${NAME}` with NAME's value and each `${NAME:-default}` with NAME's value, or
// `default` when NAME is unset or empty. `$${` is a literal `${`; a `$` not followed by `{` is
// kept (`$2b$10$...`). Throws Error(usage) naming the variable when NAME is unset and has no
// default, or when a `${` is not closed or NAME is not a variable name; the caller adds the file
// and line. Never includes a variable's value in a message.
std::string expand_variables(const std::string& text, const VariableLookup& lookup);

// The process environment first, then `dotenv_dir`/.env (read once, now; missing is fine).
VariableLookup environment_lookup(const std::string& dotenv_dir = ".");

}  // namespace pgtote
