// Stream's coroutine awaiters: read_until / read_bytes / read_some / read_until_close and write, resumed by the
// stream when their bytes have arrived or their output has drained.
#include "core/net/stream.hpp"

#include <algorithm>
#include <stdexcept>
#include <string>

namespace updraft {

std::size_t Stream::ReadAwaiter::satisfied() const {
  std::string_view data = stream_.buffered();
  switch (kind_) {
    case Kind::until: {
      auto at = data.find(delimiter_);
      if (at != std::string_view::npos && at + delimiter_.size() <= n_) return at + delimiter_.size();
      if (data.size() >= n_ || (at != std::string_view::npos))
        throw UnsatisfiableReadError("no delimiter within " + std::to_string(n_) + " bytes");
      return 0;
    }
    case Kind::bytes:
      if (data.size() >= n_) return n_;
      return partial_ && !data.empty() ? data.size() : 0;
    case Kind::some:
      return data.size();
    case Kind::until_close:
      if (data.size() > n_) throw UnsatisfiableReadError("more than " + std::to_string(n_) + " bytes before the end");
      return stream_.eof_ ? std::max<std::size_t>(data.size(), 1) : 0;
  }
  return 0;
}

bool Stream::ReadAwaiter::await_ready() {
  if (stream_.closed_) return true;
  if (kind_ == Kind::bytes) stream_.reserve(n_);  // n bytes in one piece
  try {
    return satisfied() > 0 || stream_.eof_;
  } catch (...) {
    return true;
  }
}

void Stream::ReadAwaiter::await_suspend(std::coroutine_handle<> h) {
  waiting_ = h;
  stream_.read_waiter_ = this;
  if (!stream_.dispatching_) stream_.arm_read();
}

std::string_view Stream::ReadAwaiter::await_resume() {
  std::size_t n = satisfied();  // throws for an unsatisfiable read
  if (n == 0 || stream_.closed_) {
    if (kind_ == Kind::until_close && stream_.eof_ && !stream_.closed_) return {};
    throw StreamClosedError();
  }
  std::string_view data = stream_.buffered();
  if (kind_ == Kind::until_close && stream_.begin_ == stream_.end_) return {};
  std::string_view result = data.substr(0, kind_ == Kind::until_close ? data.size() : n);
  stream_.consume(result.size());  // the view stays valid: consume() only moves offsets, the next read may move bytes
  return result;
}

bool Stream::WriteAwaiter::await_ready() const {
  return stream_.closed_ || stream_.write_buffer_size() < kLowWatermark;
}

void Stream::WriteAwaiter::await_suspend(std::coroutine_handle<> h) {
  waiting_ = h;
  stream_.write_waiter_ = this;
}

void Stream::WriteAwaiter::await_resume() const {
  if (stream_.closed_) throw StreamClosedError();
}

Stream::ReadAwaiter Stream::read_until(std::string_view delimiter, std::size_t max_bytes) {
  return ReadAwaiter(*this, ReadAwaiter::Kind::until, delimiter, max_bytes, false);
}
Stream::ReadAwaiter Stream::read_bytes(std::size_t n, bool partial) {
  return ReadAwaiter(*this, ReadAwaiter::Kind::bytes, {}, n, partial);
}
Stream::ReadAwaiter Stream::read_some() { return ReadAwaiter(*this, ReadAwaiter::Kind::some, {}, 0, false); }
Stream::ReadAwaiter Stream::read_until_close(std::size_t max_bytes) {
  return ReadAwaiter(*this, ReadAwaiter::Kind::until_close, {}, max_bytes, false);
}

}  // namespace updraft
