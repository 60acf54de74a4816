// The snapshot's on-disk names, shared by writer and reader. The format is described in
// docs/snapshot-format.md; change both together, and bump the version when readers must know.
#pragma once

namespace pgtote::snapshot {

inline constexpr const char* format_name = "pgtote-snapshot";
inline constexpr int format_version = 1;

// Optional header key: [[schema, name]...] of the tables that row-level security may have
// filtered (export --enable-row-security). Absent when every table was read whole.
inline constexpr const char* filtered_by_row_security_key = "filtered_by_row_security";

}  // namespace pgtote::snapshot
