// JSON grammar by hand, iteratively: simdjson's parser refuses lone surrogates, and a recursive
// checker would be bounded by the stack where PostgreSQL's limit is set by the server's own.
#include "pgtote/json_syntax.h"

#include <cctype>
#include <string>

namespace pgtote {

namespace {

class JsonSyntax {
 public:
  explicit JsonSyntax(std::string_view text) : s_(text) {}

  bool check() {
    for (;;) {
      size_t depth = open_.size();
      if (!value_start()) return false;
      if (open_.size() > depth) continue;  // a container opened: its first value comes next
      // After a complete value: close containers, or go on to the next element or member.
      for (;;) {
        space();
        if (open_.empty()) return i_ == s_.size();
        if (i_ >= s_.size()) return false;
        char open = open_.back();
        if (s_[i_] == ',') {
          ++i_;
          if (open == '{' && !member_name()) return false;
          break;
        }
        if (s_[i_] != (open == '{' ? '}' : ']')) return false;
        ++i_;
        open_.pop_back();
      }
    }
  }

 private:
  void space() {
    while (i_ < s_.size() && (s_[i_] == ' ' || s_[i_] == '\t' || s_[i_] == '\n' || s_[i_] == '\r')) ++i_;
  }

  // A scalar, an empty container, or the opening of a container and its first member name.
  bool value_start() {
    space();
    if (i_ >= s_.size()) return false;
    char c = s_[i_];
    if (c != '{' && c != '[') return scalar();
    ++i_;
    space();
    if (i_ < s_.size() && s_[i_] == (c == '{' ? '}' : ']')) {
      ++i_;
      return true;
    }
    open_.push_back(c);
    return c == '[' || member_name();
  }

  bool member_name() {
    space();
    if (!string()) return false;
    space();
    if (i_ >= s_.size() || s_[i_] != ':') return false;
    ++i_;
    return true;
  }

  bool scalar() {
    char c = s_[i_];
    if (c == '"') return string();
    if (c == '-' || (c >= '0' && c <= '9')) return number();
    for (std::string_view literal : {"true", "false", "null"})
      if (s_.substr(i_, literal.size()) == literal) {
        i_ += literal.size();
        return true;
      }
    return false;
  }

  bool string() {
    if (i_ >= s_.size() || s_[i_] != '"') return false;
    for (++i_; i_ < s_.size(); ++i_) {
      auto c = static_cast<unsigned char>(s_[i_]);
      if (c == '"') {
        ++i_;
        return true;
      }
      if (c < 0x20) return false;
      if (c != '\\') continue;
      if (++i_ >= s_.size()) return false;
      char e = s_[i_];
      if (e == 'u') {
        for (int k = 0; k < 4; ++k)
          if (++i_ >= s_.size() || !std::isxdigit(static_cast<unsigned char>(s_[i_]))) return false;
      } else if (std::string_view("\"\\/bfnrt").find(e) == std::string_view::npos) {
        return false;
      }
    }
    return false;
  }

  size_t digits() {
    size_t start = i_;
    while (i_ < s_.size() && s_[i_] >= '0' && s_[i_] <= '9') ++i_;
    return i_ - start;
  }

  bool number() {
    if (s_[i_] == '-') ++i_;
    if (i_ < s_.size() && s_[i_] == '0')
      ++i_;
    else if (digits() == 0)
      return false;
    if (i_ < s_.size() && s_[i_] == '.') {
      ++i_;
      if (digits() == 0) return false;
    }
    if (i_ < s_.size() && (s_[i_] == 'e' || s_[i_] == 'E')) {
      ++i_;
      if (i_ < s_.size() && (s_[i_] == '+' || s_[i_] == '-')) ++i_;
      if (digits() == 0) return false;
    }
    return true;
  }

  std::string_view s_;
  size_t i_ = 0;
  std::string open_;  // '{' or '[' for each container still open
};

}  // namespace

bool is_json_text(std::string_view text) { return JsonSyntax(text).check(); }

}  // namespace pgtote
