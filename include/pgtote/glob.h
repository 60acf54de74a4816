// Shell-style patterns (*, ?, [...]) for table selection and audit detection.
#pragma once

#include <string>

namespace pgtote {

bool glob_match(const std::string& pattern, const std::string& text, bool ignore_case = false);

}  // namespace pgtote
