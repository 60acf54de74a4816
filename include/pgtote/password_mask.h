// Keeps passwords out of everything pgtote prints: connection strings shown to the user, and
// libpq's own messages, which echo parts of a malformed URL back (the password among them).
#pragma once

#include <string>
#include <vector>

namespace pgtote {

// The conninfo with any password replaced by ****, for display. Works on malformed URLs too.
std::string mask_password(const std::string& conninfo);

// Every spelling of the password `conninfo` carries (as written, and percent-decoded), for
// hide_password; empty when it has none.
std::vector<std::string> passwords_in(const std::string& conninfo);

// `text` (a libpq message) with the conninfo's password replaced by ****, and any URL in it masked.
std::string hide_password(const std::string& text, const std::string& conninfo);

// Where a postgres:// URL's query begins ('?'), as libpq finds it: after the user info, which
// ends at the first '@' before any '/' (a '?' in a password is not a query); npos when none.
size_t uri_query_start(const std::string& url);

// %XX sequences decoded; a malformed one is kept as written.
std::string percent_decode(const std::string& text);

}  // namespace pgtote
