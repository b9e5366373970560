// ContentHashes: what is known of each version of each static file, shared by every loop thread: its content hash (its
// ETag and its static_url version) and, for a small file, its bytes; computed once per version (device, inode, size,
// modification and status-change times: any write, rename over it or chmod makes a new version). A version changed
// less than a second ago is not remembered: another write within the same clock tick could leave it looking the same.
#pragma once

#include <sys/stat.h>

#include <array>
#include <cstddef>
#include <functional>
#include <memory>
#include <optional>
#include <shared_mutex>
#include <string>
#include <string_view>
#include <unordered_map>

namespace updraft {

class ContentHashes {
 public:
  using Hash = std::array<char, 32>;  // the first 128 bits of the content's SHA-256, in hex

  // Files up to this size are kept in memory whole, up to the budget for all of them.
  static constexpr std::size_t kKeepLimit = 16 * 1024;
  static constexpr std::size_t kDefaultBudget = 32u << 20;

  struct Version {
    dev_t dev = 0;
    ino_t ino = 0;
    off_t size = 0;
    struct timespec mtime {};
    struct timespec ctime {};
    bool operator==(const Version& other) const;
  };
  static Version version_of(const struct stat& st);

  struct Known {
    Version version;
    Hash hash;
    std::shared_ptr<const std::string> content;  // the whole file when it is small and within the budget; else null
  };

  explicit ContentHashes(std::size_t budget = kDefaultBudget) : budget_(budget) {}

  // What was computed for this version of the file at path, if anything.
  std::optional<Known> find(std::string_view path, const Version& version) const;
  // Reads the file (fd, from its start, with pread: the offset stays) and remembers its hash (and its bytes, when
  // small) for this version, unless it changed meanwhile or just now; throws std::system_error when it cannot be
  // read. Blocks for as long as reading takes.
  Known compute(std::string_view path, int fd, const struct stat& st);
  std::size_t bytes_kept() const;

 private:
  struct PathHash {
    using is_transparent = void;
    std::size_t operator()(std::string_view s) const { return std::hash<std::string_view>{}(s); }
  };
  std::size_t budget_;
  mutable std::shared_mutex mutex_;
  std::unordered_map<std::string, Known, PathHash, std::equal_to<>> entries_;
  std::size_t bytes_ = 0;  // of the contents kept
};

}  // namespace updraft
