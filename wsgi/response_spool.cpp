// ResponseSpool: an ordered queue of memory pieces and ranges of an unlinked temporary file.
#include "wsgi/response_spool.hpp"

#include <fcntl.h>
#include <spdlog/spdlog.h>
#include <unistd.h>

#include <cerrno>
#include <cstdlib>
#include <cstring>

namespace updraft {

ResponseSpool::~ResponseSpool() {
  for (std::size_t i = next_; i < items_.size(); ++i)
    if (items_[i].kind == Item::Kind::file) ::close(items_[i].fd);
  if (file_ >= 0) ::close(file_);
}

void ResponseSpool::push(std::string_view data) {
  if (data.empty()) return;
  bytes_ += data.size();
  if (memory_bytes_ + data.size() > limits_.memory && !file_failed_) {
    std::uint64_t written_from = file_end_;
    bool ok = append_to_file(data);
    std::uint64_t written = file_end_ - written_from;
    if (written > 0) {
      Item* last = empty() ? nullptr : &items_.back();
      if (last && last->kind == Item::Kind::spool_file && last->offset + last->length == written_from)
        last->length += written;
      else
        items_.push_back({Item::Kind::spool_file, {}, -1, written_from, written});
    }
    if (ok) return;
    data.remove_prefix(written);  // what the file could not take stays in memory, in order
  }
  memory_bytes_ += data.size();
  if (!empty() && items_.back().kind == Item::Kind::memory) items_.back().data.append(data);
  else items_.push_back({Item::Kind::memory, std::string(data)});
}

void ResponseSpool::push_file(int fd, std::uint64_t offset, std::uint64_t length) {
  bytes_ += length;
  items_.push_back({Item::Kind::file, {}, fd, offset, length});
}

ResponseSpool::Piece ResponseSpool::pop() {
  Item item = std::move(items_[next_++]);
  if (empty()) {
    items_.clear();
    next_ = 0;
  }
  Piece piece;
  switch (item.kind) {
    case Item::Kind::memory:
      memory_bytes_ -= item.data.size();
      bytes_ -= item.data.size();
      piece.data = std::move(item.data);
      return piece;
    case Item::Kind::spool_file: {
      piece.fd = ::dup(file_);  // the writer's copy keeps the file's blocks until it is done with them
      if (piece.fd < 0) spdlog::error("response spool: dup failed: {}", std::strerror(errno));
      bool more_in_file = false;
      for (std::size_t i = next_; i < items_.size(); ++i) more_in_file |= items_[i].kind == Item::Kind::spool_file;
      if (!more_in_file) {  // the next overflow starts a fresh file; this one is freed once sent
        ::close(file_);
        file_ = -1;
        file_end_ = 0;
      }
      break;
    }
    case Item::Kind::file:
      piece.fd = item.fd;
      break;
  }
  bytes_ -= item.length;
  piece.offset = item.offset;
  piece.length = item.length;
  return piece;
}

bool ResponseSpool::open_file() {
  const char* env = std::getenv("TMPDIR");
  std::string dir = !limits_.dir.empty() ? limits_.dir : (env && *env ? env : "/tmp");
  file_ = ::open(dir.c_str(), O_TMPFILE | O_RDWR | O_CLOEXEC, 0600);
  if (file_ < 0 && (errno == EOPNOTSUPP || errno == EISDIR || errno == EINVAL)) {
    std::string path = dir + "/updraft-spool-XXXXXX";  // a file system without O_TMPFILE: unlink it at once
    file_ = ::mkostemp(path.data(), O_CLOEXEC);
    if (file_ >= 0) ::unlink(path.c_str());
  }
  if (file_ < 0) spdlog::error("response spool: cannot create a temporary file in {}: {}", dir, std::strerror(errno));
  return file_ >= 0;
}

bool ResponseSpool::append_to_file(std::string_view data) {
  if (file_ < 0 && !open_file()) {
    file_failed_ = true;
    return false;
  }
  while (!data.empty()) {
    ssize_t n = ::pwrite(file_, data.data(), data.size(), static_cast<off_t>(file_end_));
    if (n < 0 && errno == EINTR) continue;
    if (n <= 0) {
      spdlog::error("response spool: writing the temporary file failed: {}; the app waits for the client instead",
                    std::strerror(errno));
      file_failed_ = true;
      return false;
    }
    file_end_ += static_cast<std::uint64_t>(n);
    data.remove_prefix(static_cast<std::size_t>(n));
  }
  return true;
}

}  // namespace updraft
