// AccessLog: parses a gunicorn access-log format once, then renders each request into a buffer flushed in one write.
#include "core/http/access_log.hpp"

#include <unistd.h>

#include <charconv>
#include <ctime>
#include <stdexcept>

namespace updraft {

namespace {
constexpr std::string_view kAtoms = "hlutrmUqHsBbfaTMDLp";

void append_number(std::string& out, std::uint64_t n) {
  char buf[24];
  auto r = std::to_chars(buf, buf + sizeof buf, n);
  out.append(buf, r.ptr);
}

std::string_view or_dash(std::string_view s) { return s.empty() ? std::string_view("-") : s; }
}  // namespace

AccessLog::AccessLog(int fd, std::string_view format) : fd_(fd) {
  std::string literal;
  for (std::size_t i = 0; i < format.size(); ++i) {
    if (format.substr(i, 2) != "%(") {
      literal.push_back(format[i]);
      continue;
    }
    auto close = format.find(")s", i);
    if (close == std::string_view::npos) throw std::invalid_argument("unterminated %( in access log format");
    std::string_view atom = format.substr(i + 2, close - i - 2);
    if (!literal.empty()) segments_.push_back({0, std::move(literal)});
    literal.clear();
    if (atom.size() > 3 && atom.front() == '{' && atom.substr(atom.size() - 2) == "}i") {
      segments_.push_back({'i', std::string(atom.substr(1, atom.size() - 3))});
    } else if (atom.size() > 3 && atom.front() == '{') {
      segments_.push_back({0, "-"});  // response headers and environ atoms are not logged
    } else if (atom.size() == 1 && kAtoms.find(atom[0]) != std::string_view::npos) {
      segments_.push_back({atom[0], {}});
    } else {
      throw std::invalid_argument("unknown access log atom %(" + std::string(atom) + ")s");
    }
    i = close + 1;
  }
  if (!literal.empty()) segments_.push_back({0, std::move(literal)});
}

void AccessLog::refresh_stamp() {
  std::time_t now = std::time(nullptr);
  if (now == stamp_second_) return;
  stamp_second_ = now;
  std::tm tm{};
  localtime_r(&now, &tm);
  std::strftime(stamp_, sizeof stamp_, "[%d/%b/%Y:%H:%M:%S %z]", &tm);
}

void AccessLog::append_atom(const Segment& s, const AccessRecord& r) {
  auto header = [&](std::string_view name) -> std::string_view {
    if (!r.request_headers) return "-";
    return or_dash(r.request_headers->get(name).value_or(""));
  };
  auto micros = static_cast<std::uint64_t>(std::chrono::duration_cast<std::chrono::microseconds>(r.duration).count());
  std::string_view target(r.target);
  auto q = target.find('?');
  switch (s.atom) {
    case 0: buffer_.append(s.text); break;
    case 'i': buffer_.append(header(s.text)); break;
    case 'h': buffer_.append(or_dash(r.remote_address)); break;
    case 'l':
    case 'u': buffer_.push_back('-'); break;
    case 't': refresh_stamp(); buffer_.append(stamp_); break;
    case 'r':
      if (r.method.empty()) {
        buffer_.push_back('-');
      } else {
        buffer_.append(r.method).append(" ").append(r.target).append(r.version_minor ? " HTTP/1.1" : " HTTP/1.0");
      }
      break;
    case 'm': buffer_.append(or_dash(r.method)); break;
    case 'U': buffer_.append(or_dash(target.substr(0, q))); break;
    case 'q': buffer_.append(q == std::string_view::npos ? std::string_view() : target.substr(q + 1)); break;
    case 'H': buffer_.append(r.version_minor ? "HTTP/1.1" : "HTTP/1.0"); break;
    case 's': append_number(buffer_, static_cast<std::uint64_t>(r.status)); break;
    case 'B': append_number(buffer_, r.body_bytes); break;
    case 'b':
      if (r.body_bytes) append_number(buffer_, r.body_bytes);
      else buffer_.push_back('-');
      break;
    case 'f': buffer_.append(header("referer")); break;
    case 'a': buffer_.append(header("user-agent")); break;
    case 'T': append_number(buffer_, micros / 1'000'000); break;
    case 'M': append_number(buffer_, micros / 1'000); break;
    case 'D': append_number(buffer_, micros); break;
    case 'L': {
      char buf[32];
      auto res = std::to_chars(buf, buf + sizeof buf, static_cast<double>(micros) / 1e6, std::chars_format::fixed, 6);
      buffer_.append(buf, res.ptr);
      break;
    }
    case 'p': append_number(buffer_, static_cast<std::uint64_t>(::getpid())); break;
  }
}

void AccessLog::record(const AccessRecord& r) {
  if (!enabled()) return;
  for (const Segment& s : segments_) append_atom(s, r);
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
