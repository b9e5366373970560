// CompressedCopies: the gzip and br encodings of static files by content hash, made on a file version's first
// compressed request and kept for every loop thread (nginx's gzip_static, without the .gz files to prepare): up to a
// memory budget, the oldest dropped first.
#pragma once

#include <cstddef>
#include <deque>
#include <memory>
#include <shared_mutex>
#include <string>
#include <string_view>
#include <unordered_map>

#include "native/accept_encoding.hpp"
#include "native/content_hashes.hpp"

namespace updraft {

class CompressedCopies {
 public:
  using Copy = std::shared_ptr<const std::string>;

  static constexpr std::size_t kDefaultBudget = 64u << 20;

  explicit CompressedCopies(std::size_t budget = kDefaultBudget) : budget_(budget) {}

  // The copy of the content with this hash in coding, if one was made and is still kept.
  Copy find(const ContentHashes::Hash& hash, ContentCoding coding) const;
  // Reads size bytes of fd from its start (pread: the offset stays), encodes them in coding at level, and keeps the
  // result (unless it alone is over the budget); throws std::system_error when the file cannot be read whole. Blocks
  // for as long as reading and compressing take.
  Copy compute(const ContentHashes::Hash& hash, ContentCoding coding, int level, int fd, std::size_t size);
  // The same, for content already in memory.
  Copy compute(const ContentHashes::Hash& hash, ContentCoding coding, int level, std::string_view content);
  std::size_t bytes_kept() const;

 private:
  struct Key {
    ContentHashes::Hash hash;
    ContentCoding coding;
    bool operator==(const Key&) const = default;
  };
  struct KeyHash {
    std::size_t operator()(const Key& key) const;
  };

  std::size_t budget_;
  mutable std::shared_mutex mutex_;
  std::unordered_map<Key, Copy, KeyHash> copies_;
  std::deque<Key> order_;  // oldest first
  std::size_t bytes_ = 0;
};

}  // namespace updraft
