// Exchange: mutex/condition-variable channels between a connection's loop and a WSGI worker thread.
#include "wsgi/exchange.hpp"

#include <algorithm>
#include <cstring>
#include <unistd.h>

namespace updraft {

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
  std::unique_lock lock(mutex_);
  cv_.wait(lock, [&] { return !body_.empty() || body_ended_ || cancelled(); });
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
    loop_.post([self = shared_from_this()] {
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
  std::lock_guard lock(mutex_);
  head_.emplace(std::move(head));
  notify_loop_locked();
}

bool Exchange::send_data(std::string_view data) {
  std::unique_lock lock(mutex_);
  cv_.wait(lock, [&] { return cancelled() || out_.size() < kOutHighMark; });
  if (cancelled()) return false;
  out_.append(data);
  notify_loop_locked();
  return true;
}

bool Exchange::try_send_data(std::string_view data) {
  std::lock_guard lock(mutex_);
  if (cancelled() || out_.size() >= kOutHighMark) return false;
  out_.append(data);
  notify_loop_locked();
  return true;
}

bool Exchange::send_file(int fd, std::uint64_t offset, std::uint64_t length) {
  std::unique_lock lock(mutex_);
  cv_.wait(lock, [&] { return cancelled() || !out_file_; });
  if (cancelled()) {
    ::close(fd);
    return false;
  }
  out_file_ = FileItem{fd, offset, length};
  notify_loop_locked();
  return true;
}

void Exchange::finish(bool aborted) {
  std::lock_guard lock(mutex_);
  body_discard_ = true;
  body_.clear();
  body_bytes_ = body_offset_ = 0;
  if (body_paused_) {
    body_paused_ = false;
    loop_.post([self = shared_from_this()] {
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
  if (!out_.empty() || out_last_) notify_loop_locked();
  cv_.notify_all();
}

void Exchange::notify_loop_locked() {
  if (post_pending_ || out_in_writer_) return;
  post_pending_ = true;
  loop_.post([self = shared_from_this()] { self->deliver(); });
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
    file.swap(out_file_);
    last = out_last_ && !file;  // a file must be sent before the response ends
    aborted = out_aborted_;
    if (last) out_last_ = false;
    out_in_writer_ = file || (!data.empty() && !last);
    cv_.notify_all();
  }
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
}

}  // namespace updraft
