// The snapshot's on-disk names, shared by writer and reader. The format is described in
// docs/snapshot-format.md; change both together, and bump the version when readers must know.
#pragma once

namespace pgtote::snapshot {

inline constexpr const char* format_name = "pgtote-snapshot";
inline constexpr int format_version = 1;

}  // namespace pgtote::snapshot
