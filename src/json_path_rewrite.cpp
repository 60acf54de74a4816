// A small scanner over the JSON text: it descends only where a path still matches, and copies
// every other span verbatim, so json's own whitespace, key order and duplicates are kept.
#include "pgtote/json_path_rewrite.h"

#include <stdexcept>

namespace pgtote {

JsonPath parse_json_path(std::string_view text) {
  if (text.empty() || text[0] != '$')
    throw std::invalid_argument("JSON path '" + std::string(text) + "' must start with $");
  JsonPath path;
  size_t i = 1;
  auto fail = [&](const char* why) {
    throw std::invalid_argument("JSON path '" + std::string(text) + "': " + why + " at character " +
                                std::to_string(i + 1));
  };
  while (i < text.size()) {
    JsonPathStep step;
    if (text[i] == '.') {
      size_t start = ++i;
      while (i < text.size() && text[i] != '.' && text[i] != '[') ++i;
      if (i == start) fail("empty name");
      step.key = std::string(text.substr(start, i - start));
      if (step.key == "*") step.kind = JsonPathStep::Kind::any;
    } else if (text[i] == '[') {
      size_t close = text.find(']', i);
      if (close == std::string_view::npos) fail("unclosed [");
      std::string_view inside = text.substr(i + 1, close - i - 1);
      if (inside == "*") {
        step.kind = JsonPathStep::Kind::any;
      } else if (inside.size() >= 2 && (inside.front() == '"' || inside.front() == '\'') &&
                 inside.back() == inside.front()) {
        step.key = std::string(inside.substr(1, inside.size() - 2));
      } else if (!inside.empty() && inside.find_first_not_of("0123456789") == std::string_view::npos) {
        step.kind = JsonPathStep::Kind::index;
        step.index = std::stoul(std::string(inside));
      } else {
        fail("expected [n], [*] or [\"name\"]");
      }
      i = close + 1;
    } else {
      fail("expected . or [");
    }
    path.push_back(std::move(step));
  }
  return path;
}

std::string json_string_contents(std::string_view json) {
  if (json.size() < 2 || json.front() != '"') return std::string(json);
  std::string out;
  for (size_t i = 1; i + 1 < json.size(); ++i) {
    char c = json[i];
    if (c != '\\') {
      out += c;
      continue;
    }
    char e = json[++i];
    switch (e) {
      case 'b':
        out += '\b';
        break;
      case 'f':
        out += '\f';
        break;
      case 'n':
        out += '\n';
        break;
      case 'r':
        out += '\r';
        break;
      case 't':
        out += '\t';
        break;
      case 'u': {
        unsigned code = std::stoul(std::string(json.substr(i + 1, 4)), nullptr, 16);
        i += 4;
        if (code < 0x80) {
          out += static_cast<char>(code);
        } else if (code < 0x800) {
          out += static_cast<char>(0xC0 | (code >> 6));
          out += static_cast<char>(0x80 | (code & 0x3F));
        } else {  // a lone surrogate half is written as its three bytes, as PostgreSQL's json keeps it
          out += static_cast<char>(0xE0 | (code >> 12));
          out += static_cast<char>(0x80 | ((code >> 6) & 0x3F));
          out += static_cast<char>(0x80 | (code & 0x3F));
        }
        break;
      }
      default:
        out += e;
    }
  }
  return out;
}

std::string json_string_literal(std::string_view text) {
  static const char hex[] = "0123456789abcdef";
  std::string out = "\"";
  for (char c : text) {
    unsigned char u = static_cast<unsigned char>(c);
    if (c == '"' || c == '\\') {
      out += '\\';
      out += c;
    } else if (u < 0x20) {
      out += "\\u00";
      out += hex[u >> 4];
      out += hex[u & 15];
    } else {
      out += c;
    }
  }
  return out + "\"";
}

namespace {

class Rewriter {
 public:
  Rewriter(std::string_view json, const std::vector<JsonPath>& paths, const JsonLeafRewrite& rewrite)
      : s_(json), paths_(paths), rewrite_(rewrite) {}

  std::string run() {
    std::vector<size_t> live;
    for (size_t i = 0; i < paths_.size(); ++i) live.push_back(i);
    copy_space();
    value(live, 0);
    copy_space();
    if (pos_ != s_.size()) fail("text after the JSON value");
    return out_;
  }

 private:
  [[noreturn]] void fail(const char* why) {
    throw std::invalid_argument(std::string("malformed JSON (") + why + ") at byte " + std::to_string(pos_));
  }
  char peek() const { return pos_ < s_.size() ? s_[pos_] : '\0'; }
  void copy_space() {
    size_t start = pos_;
    while (pos_ < s_.size() && (s_[pos_] == ' ' || s_[pos_] == '\t' || s_[pos_] == '\n' || s_[pos_] == '\r')) ++pos_;
    out_.append(s_.substr(start, pos_ - start));
  }
  // The end of the string literal starting at `at`.
  size_t string_end(size_t at) {
    size_t i = at + 1;
    while (i < s_.size() && s_[i] != '"') i += s_[i] == '\\' ? 2 : 1;
    if (i >= s_.size()) fail("unterminated string");
    return i + 1;
  }
  // The end of the value starting at pos_, without recursion.
  size_t value_end() {
    size_t i = pos_;
    if (i >= s_.size()) fail("missing value");
    if (s_[i] == '"') return string_end(i);
    if (s_[i] == '{' || s_[i] == '[') {
      size_t depth = 0;
      for (; i < s_.size(); ++i) {
        char c = s_[i];
        if (c == '"') {
          i = string_end(i) - 1;
        } else if (c == '{' || c == '[') {
          ++depth;
        } else if (c == '}' || c == ']') {
          if (--depth == 0) return i + 1;
        }
      }
      fail("unclosed object or array");
    }
    while (i < s_.size() && s_[i] != ',' && s_[i] != '}' && s_[i] != ']' && s_[i] != ' ' && s_[i] != '\t' &&
           s_[i] != '\n' && s_[i] != '\r')
      ++i;
    if (i == pos_) fail("missing value");
    return i;
  }

  void value(const std::vector<size_t>& live, size_t depth) {
    for (size_t p : live)
      if (paths_[p].size() == depth) {
        size_t end = value_end();
        out_ += rewrite_(p, s_.substr(pos_, end - pos_));
        pos_ = end;
        return;
      }
    char c = peek();
    if (live.empty() || (c != '{' && c != '[')) {
      size_t end = value_end();
      out_.append(s_.substr(pos_, end - pos_));
      pos_ = end;
      return;
    }
    bool object = c == '{';
    out_ += c;
    ++pos_;
    copy_space();
    char close = object ? '}' : ']';
    if (peek() == close) {
      out_ += close;
      ++pos_;
      return;
    }
    for (size_t index = 0;; ++index) {
      std::string key;
      if (object) {
        if (peek() != '"') fail("expected a member name");
        size_t end = string_end(pos_);
        key = json_string_contents(s_.substr(pos_, end - pos_));
        out_.append(s_.substr(pos_, end - pos_));
        pos_ = end;
        copy_space();
        if (peek() != ':') fail("expected ':'");
        out_ += ':';
        ++pos_;
        copy_space();
      }
      std::vector<size_t> next;
      for (size_t p : live) {
        const JsonPathStep& step = paths_[p][depth];
        bool match = step.kind == JsonPathStep::Kind::any ||
                     (object ? step.kind == JsonPathStep::Kind::key && step.key == key
                             : step.kind == JsonPathStep::Kind::index && step.index == index);
        if (match) next.push_back(p);
      }
      value(next, depth + 1);
      copy_space();
      char c2 = peek();
      if (c2 == close) {
        out_ += close;
        ++pos_;
        return;
      }
      if (c2 != ',') fail("expected ',' or the container's end");
      out_ += ',';
      ++pos_;
      copy_space();
    }
  }

  std::string_view s_;
  const std::vector<JsonPath>& paths_;
  const JsonLeafRewrite& rewrite_;
  size_t pos_ = 0;
  std::string out_;
};

}  // namespace

std::string rewrite_json_paths(std::string_view json, const std::vector<JsonPath>& paths,
                               const JsonLeafRewrite& rewrite) {
  return Rewriter(json, paths, rewrite).run();
}

}  // namespace pgtote
