// CompressedCopies: a file read whole with pread, encoded in one piece, kept in a map under a reader-writer lock.
#include "native/compressed_copies.hpp"

#include <unistd.h>

#include <cerrno>
#include <mutex>
#include <system_error>

#include "native/content_encoding.hpp"

namespace updraft {

std::size_t CompressedCopies::KeyHash::operator()(const Key& key) const {
  return std::hash<std::string_view>{}(std::string_view(key.hash.data(), key.hash.size())) ^
         static_cast<std::size_t>(key.coding);
}

CompressedCopies::Copy CompressedCopies::find(const ContentHashes::Hash& hash, ContentCoding coding) const {
  std::shared_lock lock(mutex_);
  auto it = copies_.find(Key{hash, coding});
  return it == copies_.end() ? nullptr : it->second;
}

CompressedCopies::Copy CompressedCopies::compute(const ContentHashes::Hash& hash, ContentCoding coding, int level,
                                                 int fd, std::size_t size) {
  std::string body(size, '\0');
  std::size_t done = 0;
  while (done < size) {
    ssize_t n = ::pread(fd, body.data() + done, size - done, static_cast<off_t>(done));
    if (n < 0 && errno == EINTR) continue;
    if (n < 0) throw std::system_error(errno, std::generic_category(), "reading a static file");
    if (n == 0) throw std::system_error(EIO, std::generic_category(), "a static file got shorter while read");
    done += static_cast<std::size_t>(n);
  }
  return compute(hash, coding, level, body);
}

CompressedCopies::Copy CompressedCopies::compute(const ContentHashes::Hash& hash, ContentCoding coding, int level,
                                                 std::string_view content) {
  auto copy = std::make_shared<const std::string>(encode_content(coding, level, content));
  if (copy->size() > budget_) return copy;
  std::unique_lock lock(mutex_);
  auto [it, inserted] = copies_.try_emplace(Key{hash, coding}, copy);
  if (!inserted) return it->second;  // another thread made it meanwhile
  order_.push_back(it->first);
  bytes_ += copy->size();
  while (bytes_ > budget_) {
    auto oldest = copies_.find(order_.front());
    bytes_ -= oldest->second->size();
    copies_.erase(oldest);
    order_.pop_front();
  }
  return copy;
}

std::size_t CompressedCopies::bytes_kept() const {
  std::shared_lock lock(mutex_);
  return bytes_;
}

}  // namespace updraft
