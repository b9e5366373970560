// StaticRoot: a directory that StaticFileHandler serves at a URL prefix. Its files are opened beneath it only: the
// kernel resolves each path with openat2(RESOLVE_BENEATH), so "..", absolute paths and symlinks that lead out of it
// fail (symlinks within it work); their content hashes, small files' bytes and compressed copies are kept for every
// loop thread.
#pragma once

#include <sys/stat.h>

#include <optional>
#include <string>
#include <string_view>
#include <utility>

#include "native/compressed_copies.hpp"
#include "native/content_hashes.hpp"

namespace updraft {

// An open regular file and what fstat said of it; closes the file unless release()d.
class StaticFile {
 public:
  StaticFile() = default;
  StaticFile(int fd, const struct stat& st) : fd_(fd), stat_(st) {}
  StaticFile(StaticFile&& other) noexcept : fd_(std::exchange(other.fd_, -1)), stat_(other.stat_) {}
  StaticFile& operator=(StaticFile&& other) noexcept;
  ~StaticFile();
  int fd() const { return fd_; }
  const struct stat& stat() const { return stat_; }
  int release() { return std::exchange(fd_, -1); }

 private:
  int fd_ = -1;
  struct stat stat_ {};
};

class StaticRoot {
 public:
  // url_prefix starts with '/' ("/static/"; a missing final '/' is added). Throws std::invalid_argument for another
  // prefix, std::system_error when directory cannot be opened as one, std::runtime_error when the kernel has no
  // openat2 (Linux 5.6).
  StaticRoot(const std::string& directory, std::string url_prefix);
  ~StaticRoot();
  StaticRoot(const StaticRoot&) = delete;
  StaticRoot& operator=(const StaticRoot&) = delete;

  const std::string& url_prefix() const { return url_prefix_; }
  // The route for the prefix: the prefix as a literal, then (.*).
  std::string route_pattern() const;
  // Opens the regular file at relative (as static_relative_path() made it): HTTPError 404 when nothing is there, 403
  // when it is not a regular file (a directory) or not beneath the root.
  StaticFile open(const std::string& relative) const;
  // What the hashes know of the file at relative as it is now, found with one statx(2) and no open (nullopt: open
  // it). statx resolves the path without RESOLVE_BENEATH, so the answer counts only because it must be the very
  // file (device and inode) that an open beneath the root found before, unchanged since (size, mtime, ctime): a path
  // that now leads anywhere else finds nothing.
  std::optional<ContentHashes::Known> known(const std::string& relative) const;
  ContentHashes& hashes() const { return hashes_; }
  // Its files' gzip and br encodings, with compress_response.
  CompressedCopies& compressed_copies() const { return compressed_copies_; }

 private:
  int directory_fd_ = -1;
  std::string url_prefix_;
  mutable ContentHashes hashes_;
  mutable CompressedCopies compressed_copies_;
};

}  // namespace updraft
