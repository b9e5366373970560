// ContentHashes: the content hash of each static file (its ETag and its static_url version), computed once per version
// of the file (device, inode, size and modification time) and shared by every loop thread.
#pragma once

#include <sys/stat.h>

#include <array>
#include <functional>
#include <optional>
#include <shared_mutex>
#include <string>
#include <string_view>
#include <unordered_map>

namespace updraft {

class ContentHashes {
 public:
  using Hash = std::array<char, 32>;  // the first 128 bits of the content's SHA-256, in hex

  // The hash of the file at path, if it was computed for this version of it.
  std::optional<Hash> find(std::string_view path, const struct stat& st) const;
  // Reads the file (fd, from its start, with pread: the offset stays) and remembers its hash for this version; throws
  // std::system_error when it cannot be read. Blocks for as long as reading the file takes.
  Hash compute(std::string_view path, int fd, const struct stat& st);

 private:
  struct Entry {
    dev_t dev;
    ino_t ino;
    off_t size;
    struct timespec mtime;
    Hash hash;
  };
  struct PathHash {
    using is_transparent = void;
    std::size_t operator()(std::string_view s) const { return std::hash<std::string_view>{}(s); }
  };
  mutable std::shared_mutex mutex_;
  std::unordered_map<std::string, Entry, PathHash, std::equal_to<>> entries_;
};

}  // namespace updraft
