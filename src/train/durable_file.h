// Writes that survive a crash or a power cut: data reaches the disk (fsync) before a rename
// makes it visible, so a reader sees the old file or the new one, never half of one.
#pragma once

#include <string>
#include <string_view>

namespace hm {

// fsync on a file or a directory (a directory's fsync makes renames within it durable).
void SyncPath(const std::string& path);

// Writes `content` to `path` and syncs it; throws hm::Error naming the path on any failure
// (a full disk included).
void WriteFileSynced(const std::string& path, std::string_view content);

// WriteFileSynced to a temporary sibling, then rename over `path` and sync the folder.
void ReplaceFileAtomically(const std::string& path, std::string_view content);

}  // namespace hm
