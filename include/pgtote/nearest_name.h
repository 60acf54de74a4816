// "Did you mean ...?" for a mistyped command: the closest of the known names by edit distance.
#pragma once

#include <optional>
#include <string>
#include <vector>

namespace pgtote {

// The number of single-character insertions, deletions, substitutions and swaps of neighbours
// that turn `a` into `b` (optimal string alignment distance).
size_t edit_distance(const std::string& a, const std::string& b);

// The candidate nearest to `typed`, when it is near enough to be a typo (at most a third of its
// letters apart, or `typed` starts it); ties go to the first candidate.
std::optional<std::string> nearest_name(const std::string& typed, const std::vector<std::string>& candidates);

}  // namespace pgtote
