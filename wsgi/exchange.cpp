// Exchange: mutex/condition-variable channels between a connection's loop and a WSGI worker thread.
#include "wsgi/exchange.hpp"

#include <fcntl.h>
#include <spdlog/spdlog.h>
#include <unistd.h>

#include <algorithm>
#include <cerrno>
#include <cstdlib>
#include <cstring>
#include <utility>

namespace updraft {

// Holds the mutex; what post_locked() deferred while it was held goes to the loop once it is released. Posting under
// the lock would wake the loop into a mutex still held: on a shared core the loop preempts the worker, blocks, and
// both pay two more context switches per request. A method posts only last, after any wait, so nothing deferred
// waits behind a wait of its own.
class Exchange::PostingLock {
 public:
  explicit PostingLock(Exchange& exchange) : exchange_(exchange), lock_(exchange.mutex_) {}
  ~PostingLock() {
    if (!lock_.owns_lock() || exchange_.deferred_posts_.empty()) return;
    std::vector<std::function<void()>> posts;
    posts.swap(exchange_.deferred_posts_);
    lock_.unlock();
    for (auto& fn : posts) exchange_.inbox_->post(std::move(fn));
  }
  PostingLock(const PostingLock&) = delete;
  PostingLock& operator=(const PostingLock&) = delete;
  std::unique_lock<std::mutex>& held() { return lock_; }

 private:
  Exchange& exchange_;
  std::unique_lock<std::mutex> lock_;
};

Exchange::Exchange(Loop& loop, WsgiRequestInfo info, const SpoolLimits* spool)
    : loop_(loop),
      loop_thread_(std::this_thread::get_id()),
      inbox_(loop.inbox()),
      info_(std::move(info)),
      spool_limits_(spool) {}

bool Exchange::push_body(std::string_view chunk) {
  std::lock_guard lock(mutex_);
  if (cancelled() || body_discard_) return true;
  body_.emplace_back(chunk);
  body_bytes_ += chunk.size();
  cv_.notify_all();
  // Only the worker lifts a pause (read_body, finish), because only it then tells the loop to resume reading: a
  // later chunk of the same read that fits again must not, or nobody would resume.
  if (body_bytes_ > kBodyHighMark) body_paused_ = true;
  return !body_paused_;
}

void Exchange::end_body() {
  std::lock_guard lock(mutex_);
  body_ended_ = true;
  cv_.notify_all();
}

std::size_t Exchange::read_body(char* dst, std::size_t max) {
  PostingLock lock(*this);
  cv_.wait(lock.held(), [&] { return !body_.empty() || body_ended_ || cancelled(); });
  std::size_t copied = 0;
  while (copied < max && !body_.empty()) {
    std::string& front = body_.front();
    std::size_t n = std::min(max - copied, front.size() - body_offset_);
    std::memcpy(dst + copied, front.data() + body_offset_, n);
    copied += n;
    body_offset_ += n;
    body_bytes_ -= n;
    if (body_offset_ == front.size()) {
      body_.pop_front();
      body_offset_ = 0;
    }
  }
  if (body_paused_ && body_bytes_ <= kBodyHighMark / 2) {
    body_paused_ = false;
    post_locked([self = shared_from_this()] {
      if (self->sink_) self->sink_->on_body_room();
    });
  }
  return copied;
}

bool Exchange::body_truncated() {
  std::lock_guard lock(mutex_);
  return !body_ended_ && body_.empty();
}

void Exchange::send_head(ResponseHead head) {
  PostingLock lock(*this);
  head_.emplace(std::move(head));
  notify_loop_locked();
}

std::size_t Exchange::memory_mark() const { return spool_limits_ ? spool_limits_->memory : 256 * 1024; }

bool Exchange::send_data(std::string_view data) {
  PostingLock posting(*this);
  std::unique_lock<std::mutex>& lock = posting.held();
  while (true) {
    if (cancelled()) return false;
    // The channel while it has room and nothing waits in the file before it (the order is kept).
    if (!spool_pending_locked() && (out_.empty() || out_.size() < memory_mark())) {
      out_.append(data);
      notify_loop_locked();
      return true;
    }
    if (spool_limits_ && !spool_failed_ && spool_written_ - spool_sent_ < spool_limits_->max) break;
    cv_.wait(lock);  // the spool is at its maximum (or unusable): the client must take some first
  }
  bool restart = spool_written_ > 0 && spool_sent_ == spool_written_;
  if (restart) spool_written_ = spool_handed_ = spool_sent_ = 0;  // all of it has been sent: the file starts over
  std::uint64_t at = spool_written_;  // only this thread moves it
  lock.unlock();
  if (restart) ::ftruncate(spool_fd_, 0);  // gives its blocks back (outside the lock: it may take a while)
  bool written = write_spool(data, at);
  lock.lock();
  if (!written) {
    spool_failed_ = true;  // from now on the worker waits for the client, as without a spool
    lock.unlock();
    return send_data(data);
  }
  spool_written_ += data.size();
  notify_loop_locked();
  return true;
}

bool Exchange::write_spool(std::string_view data, std::uint64_t at) {
  if (spool_fd_ < 0) {
    const char* env = std::getenv("TMPDIR");
    std::string dir = !spool_limits_->dir.empty() ? spool_limits_->dir : (env && *env ? env : "/tmp");
    int fd = ::open(dir.c_str(), O_TMPFILE | O_RDWR | O_CLOEXEC, 0600);
    if (fd < 0 && (errno == EOPNOTSUPP || errno == EISDIR || errno == EINVAL)) {
      std::string path = dir + "/updraft-spool-XXXXXX";  // a file system without O_TMPFILE: unlink it at once
      fd = ::mkostemp(path.data(), O_CLOEXEC);
      if (fd >= 0) ::unlink(path.c_str());
    }
    if (fd < 0) {
      spdlog::error("response spool: cannot create a temporary file in {}: {}", dir, std::strerror(errno));
      return false;
    }
    std::lock_guard lock(mutex_);
    spool_fd_ = fd;
  }
  while (!data.empty()) {
    ssize_t n = ::pwrite(spool_fd_, data.data(), data.size(), static_cast<off_t>(at));
    if (n < 0 && errno == EINTR) continue;
    if (n <= 0) {
      spdlog::error("response spool: writing the temporary file failed: {}; the app waits for the client instead",
                    std::strerror(errno));
      return false;
    }
    at += static_cast<std::uint64_t>(n);
    data.remove_prefix(static_cast<std::size_t>(n));
  }
  return true;
}

bool Exchange::try_send_data(std::string_view data) {
  PostingLock lock(*this);
  if (cancelled() || spool_pending_locked() || out_.size() >= memory_mark()) return false;
  out_.append(data);
  notify_loop_locked();
  return true;
}

bool Exchange::send_file(int fd, std::uint64_t offset, std::uint64_t length) {
  PostingLock lock(*this);
  // After what the file spool holds: the app's file goes once that has been sent.
  cv_.wait(lock.held(), [&] { return cancelled() || (!out_file_ && spool_sent_ == spool_written_); });
  if (cancelled()) {
    ::close(fd);
    return false;
  }
  out_file_ = FileItem{fd, offset, length};
  notify_loop_locked();
  return true;
}

void Exchange::finish(bool aborted) {
  PostingLock lock(*this);
  body_discard_ = true;
  body_.clear();
  body_bytes_ = body_offset_ = 0;
  if (body_paused_) {
    body_paused_ = false;
    post_locked([self = shared_from_this()] {
      if (self->sink_) self->sink_->on_body_room();
    });
  }
  out_last_ = true;
  out_aborted_ = aborted;
  notify_loop_locked();
}

void Exchange::cancel() {
  std::lock_guard lock(mutex_);
  cancelled_.store(true, std::memory_order_release);
  cv_.notify_all();
}

void Exchange::output_taken() {
  std::lock_guard lock(mutex_);
  out_in_writer_ = false;
  spool_sent_ += std::exchange(spool_in_writer_, 0);
  if (!out_.empty() || out_last_ || out_file_ || spool_pending_locked()) notify_loop_locked();
  cv_.notify_all();
}

void Exchange::notify_loop_locked() {
  if (post_pending_ || out_in_writer_) return;
  post_pending_ = true;
  post_locked([self = shared_from_this()] { self->deliver(); });
}

void Exchange::post_locked(std::function<void()> fn) {
  // Once cancelled the connection is gone and its loop may be too (a worker abandoned past its deadline can outlive
  // the server's loops at shutdown): the worker never touches the loop again, and posts only through the inbox, which
  // outlives it. On the loop thread itself the loop is there and nobody needs waking.
  if (cancelled()) return;
  if (std::this_thread::get_id() == loop_thread_) loop_.post(std::move(fn));
  else deferred_posts_.push_back(std::move(fn));
}

void Exchange::deliver() {
  std::optional<ResponseHead> head;
  std::optional<FileItem> file;
  std::string data;
  bool last, aborted;
  {
    std::lock_guard lock(mutex_);
    post_pending_ = false;
    head.swap(head_);
    data.swap(out_);
    bool lost = false;
    if (spool_pending_locked()) {  // after the channel's bytes, which came before it
      std::uint64_t length = spool_written_ - spool_handed_;
      int fd = ::fcntl(spool_fd_, F_DUPFD_CLOEXEC, 0);
      if (fd >= 0) {
        file = FileItem{fd, spool_handed_, length};
        spool_in_writer_ = length;
        spool_handed_ = spool_written_;
      } else {  // a range that cannot be sent: the response cannot be completed, so it ends as an aborted one
        spdlog::error("response spool: cannot duplicate its descriptor: {}", std::strerror(errno));
        lost = true;
      }
    } else {
      file.swap(out_file_);
    }
    last = lost || (out_last_ && !file && !out_file_);  // a file must be sent before the response ends
    aborted = lost || out_aborted_;
    if (last) out_last_ = false;
    out_in_writer_ = file || (!data.empty() && !last);
  }
  cv_.notify_all();  // after the lock: a worker woken on this core would find it still held
  if (!sink_) {
    if (file) ::close(file->fd);
    return;
  }
  ExchangeOutput out;
  out.head = head ? &*head : nullptr;
  out.data = data;
  if (file) {
    out.file_fd = file->fd;
    out.file_offset = file->offset;
    out.file_length = file->length;
  }
  out.last = last;
  out.aborted = aborted;
  sink_->on_response(out);
}

Exchange::~Exchange() {
  if (out_file_) ::close(out_file_->fd);
  if (spool_fd_ >= 0) ::close(spool_fd_);  // unlinked: its blocks go with the last descriptor
}

}  // namespace updraft
