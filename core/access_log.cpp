// AccessLog: formats Common Log Format lines (plus duration) into a buffer flushed in one write.
#include "core/access_log.hpp"

#include <unistd.h>

#include <charconv>
#include <ctime>

namespace updraft {

namespace {
void append_number(std::string& out, std::uint64_t n) {
  char buf[24];
  auto r = std::to_chars(buf, buf + sizeof buf, n);
  out.append(buf, r.ptr);
}
}  // namespace

void AccessLog::record(const AccessRecord& r) {
  if (!enabled()) return;
  std::time_t now = std::time(nullptr);
  if (now != stamp_second_) {
    stamp_second_ = now;
    std::tm tm{};
    localtime_r(&now, &tm);
    std::strftime(stamp_, sizeof stamp_, "[%d/%b/%Y:%H:%M:%S %z]", &tm);
  }
  buffer_.append(r.remote_address.empty() ? std::string_view("-") : r.remote_address);
  buffer_.append(" - - ");
  buffer_.append(stamp_);
  buffer_.append(" \"");
  if (r.method.empty()) {
    buffer_.append("-");
  } else {
    buffer_.append(r.method).append(" ").append(r.target).append(r.version_minor ? " HTTP/1.1" : " HTTP/1.0");
  }
  buffer_.append("\" ");
  append_number(buffer_, static_cast<std::uint64_t>(r.status));
  buffer_.push_back(' ');
  append_number(buffer_, r.body_bytes);
  buffer_.push_back(' ');
  append_number(buffer_,
                static_cast<std::uint64_t>(std::chrono::duration_cast<std::chrono::microseconds>(r.duration).count()));
  buffer_.push_back('\n');
  if (buffer_.size() > 64 * 1024) flush();
}

void AccessLog::flush() {
  std::size_t off = 0;
  while (off < buffer_.size()) {
    ssize_t n = ::write(fd_, buffer_.data() + off, buffer_.size() - off);
    if (n <= 0) break;
    off += static_cast<std::size_t>(n);
  }
  buffer_.clear();
}

}  // namespace updraft
