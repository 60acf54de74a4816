// fnmatch(3) does the matching; this wrapper keeps its flags in one place.
#include "pgtote/glob.h"

#include <fnmatch.h>

namespace pgtote {

bool glob_match(const std::string& pattern, const std::string& text, bool ignore_case) {
  return fnmatch(pattern.c_str(), text.c_str(), ignore_case ? FNM_CASEFOLD : 0) == 0;
}

}  // namespace pgtote
