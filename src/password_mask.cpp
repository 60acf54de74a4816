// Password masking. A URL's password is found by where libpq would look for it and more
// (everything between the scheme's ':' and the last '@' before the query), so a password with
// '/' or '@' in it, or a malformed URL, is still hidden.
#include "pgtote/password_mask.h"

#include <algorithm>
#include <regex>

namespace pgtote {

namespace {

struct Span {
  size_t start = 0, length = 0;
};

size_t scheme_end(const std::string& conninfo) {
  for (const char* scheme : {"postgresql://", "postgres://"})
    if (conninfo.rfind(scheme, 0) == 0) return std::string(scheme).size();
  return std::string::npos;
}

// Where libpq ends a URL's user info: the first '@' before any '/'; npos when there is none.
size_t libpq_userinfo_end(const std::string& url, size_t after_scheme) {
  size_t p = url.find_first_of("@/", after_scheme);
  return p != std::string::npos && url[p] == '@' ? p : std::string::npos;
}

// user:PASSWORD@ in a URL, as libpq reads it (`libpq_only`), else to the last '@' of the whole URL:
// a password with an unencoded '@', '/' or '?' makes libpq split it elsewhere and quote the rest
// back as a host or a path, so everything up to the last '@' is hidden. Length 0 when none.
Span userinfo_password(const std::string& url, size_t after_scheme, bool libpq_only) {
  size_t at = libpq_only ? libpq_userinfo_end(url, after_scheme) : url.rfind('@');
  if (at == std::string::npos || at < after_scheme) return {};
  size_t colon = url.find(':', after_scheme);
  if (colon == std::string::npos || colon > at) return {};
  return {colon + 1, at - colon - 1};
}

// The value of every `password=` in a URL's query (its name percent-decoded, as libpq decodes
// it) or in a key=value string.
std::vector<Span> keyword_passwords(const std::string& conninfo, bool url) {
  std::vector<Span> spans;
  if (url) {
    // Every '?' or '&' may start one, wherever libpq finds the query: hiding more is harmless.
    static const std::regex parameter(R"([?&]([^=&?]*)=([^&]*))");
    for (auto it = std::sregex_iterator(conninfo.begin(), conninfo.end(), parameter); it != std::sregex_iterator();
         ++it)
      if (percent_decode(it->str(1)) == "password")
        spans.push_back({static_cast<size_t>(it->position(2)), static_cast<size_t>(it->length(2))});
    return spans;
  }
  static const std::regex in_keywords(R"((?:^|\s)password\s*=\s*('(?:[^'\\]|\\.)*'?|\S*))");
  for (auto it = std::sregex_iterator(conninfo.begin(), conninfo.end(), in_keywords); it != std::sregex_iterator();
       ++it)
    spans.push_back({static_cast<size_t>(it->position(1)), static_cast<size_t>(it->length(1))});
  return spans;
}

// `libpq_too`: also the user info's password as libpq reads it (a shorter span inside the other).
std::vector<Span> password_spans(const std::string& conninfo, bool libpq_too) {
  size_t after_scheme = scheme_end(conninfo);
  bool url = after_scheme != std::string::npos;
  std::vector<Span> spans = keyword_passwords(conninfo, url);
  if (url) {
    if (Span userinfo = userinfo_password(conninfo, after_scheme, false); userinfo.length) spans.push_back(userinfo);
    if (libpq_too)
      if (Span userinfo = userinfo_password(conninfo, after_scheme, true); userinfo.length) spans.push_back(userinfo);
  }
  return spans;
}

std::string unquote_keyword_value(const std::string& value) {
  if (value.empty() || value[0] != '\'') return value;
  std::string out;
  for (size_t i = 1; i < value.size(); ++i) {
    if (value[i] == '\\' && i + 1 < value.size())
      out += value[++i];
    else if (value[i] != '\'')
      out += value[i];
  }
  return out;
}

void replace_all(std::string& text, const std::string& from, const std::string& to) {
  for (size_t at = text.find(from); at != std::string::npos; at = text.find(from, at + to.size()))
    text.replace(at, from.size(), to);
}

// A password of a few characters also occurs in ordinary words ("pa" in "password"): it is
// replaced only inside the quoted values libpq echoes ("..."), longer ones everywhere.
void hide_one(std::string& text, const std::string& password) {
  if (password.size() >= 4) {
    replace_all(text, password, "****");
    return;
  }
  size_t open = text.find('"');
  while (open != std::string::npos) {
    size_t close = text.find('"', open + 1);
    if (close == std::string::npos) break;
    std::string quoted = text.substr(open + 1, close - open - 1);
    if (quoted.find(password) != std::string::npos) {
      replace_all(quoted, password, "****");
      text.replace(open + 1, close - open - 1, quoted);
      close = open + 1 + quoted.size();
    }
    open = text.find('"', close + 1);
  }
}

}  // namespace

std::string percent_decode(const std::string& text) {
  auto hex = [](char c) -> int {
    if (c >= '0' && c <= '9') return c - '0';
    if (c >= 'a' && c <= 'f') return c - 'a' + 10;
    if (c >= 'A' && c <= 'F') return c - 'A' + 10;
    return -1;
  };
  std::string out;
  for (size_t i = 0; i < text.size(); ++i) {
    if (text[i] == '%' && i + 2 < text.size() && hex(text[i + 1]) >= 0 && hex(text[i + 2]) >= 0) {
      out += static_cast<char>(hex(text[i + 1]) * 16 + hex(text[i + 2]));
      i += 2;
    } else {
      out += text[i];
    }
  }
  return out;
}

size_t uri_query_start(const std::string& url) {
  size_t after_scheme = scheme_end(url);
  if (after_scheme == std::string::npos) return std::string::npos;
  size_t userinfo_end = libpq_userinfo_end(url, after_scheme);
  return url.find('?', userinfo_end == std::string::npos ? after_scheme : userinfo_end + 1);
}

std::string mask_password(const std::string& conninfo) {
  std::vector<Span> spans = password_spans(conninfo, false);
  // Overlapping spans (a query's '@' after its password=) are merged, then replaced from the end.
  std::sort(spans.begin(), spans.end(), [](const Span& a, const Span& b) { return a.start < b.start; });
  std::vector<Span> merged;
  for (const Span& span : spans) {
    if (!merged.empty() && span.start <= merged.back().start + merged.back().length)
      merged.back().length = std::max(merged.back().length, span.start + span.length - merged.back().start);
    else
      merged.push_back(span);
  }
  std::string out = conninfo;
  for (auto it = merged.rbegin(); it != merged.rend(); ++it) out.replace(it->start, it->length, "****");
  return out;
}

std::vector<std::string> passwords_in(const std::string& conninfo) {
  std::vector<std::string> found;
  bool url = scheme_end(conninfo) != std::string::npos;
  for (const Span& span : password_spans(conninfo, true)) {
    std::string raw = conninfo.substr(span.start, span.length);
    for (const std::string& spelling : {raw, url ? percent_decode(raw) : unquote_keyword_value(raw)})
      if (!spelling.empty() && std::find(found.begin(), found.end(), spelling) == found.end())
        found.push_back(spelling);
  }
  // Longest first, so a password that contains another spelling is replaced whole.
  std::sort(found.begin(), found.end(), [](const auto& a, const auto& b) { return a.size() > b.size(); });
  return found;
}

std::string hide_password(const std::string& text, const std::string& conninfo) {
  std::string out = text;
  for (const std::string& password : passwords_in(conninfo)) hide_one(out, password);
  // A URL that libpq quotes back, whatever its password.
  static const std::regex url(R"(postgres(?:ql)?://[^\s"]*)");
  std::string masked;
  auto last = out.cbegin();
  for (auto it = std::sregex_iterator(out.begin(), out.end(), url); it != std::sregex_iterator(); ++it) {
    masked.append(last, out.cbegin() + it->position(0));
    masked += mask_password(it->str(0));
    last = out.cbegin() + it->position(0) + it->length(0);
  }
  masked.append(last, out.cend());
  return masked;
}

}  // namespace pgtote
