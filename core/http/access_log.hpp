// AccessLog: one line per request in gunicorn's %(atom)s format, buffered per loop and written on the loop's tick.
#pragma once

#include <chrono>
#include <cstdint>
#include <string>
#include <string_view>
#include <vector>

#include "core/http/headers.hpp"

namespace updraft {

struct AccessRecord {
  std::string_view remote_address;
  std::string_view method;
  std::string_view target;
  int version_minor = 1;
  int status = 0;
  std::uint64_t body_bytes = 0;
  std::chrono::steady_clock::duration duration{};
  const HeaderList* request_headers = nullptr;
};

class AccessLog {
 public:
  // gunicorn's default format, exactly (log parsers are written for it); %(D)s adds the microseconds.
  static constexpr std::string_view kDefaultFormat = R"(%(h)s %(l)s %(u)s %(t)s "%(r)s" %(s)s %(b)s "%(f)s" "%(a)s")";

  // fd to write to (1 for stdout); -1 disables the log. Throws std::invalid_argument for an unknown atom.
  explicit AccessLog(int fd, std::string_view format = kDefaultFormat);
  bool enabled() const { return fd_ >= 0; }
  void record(const AccessRecord& r);
  void flush();

 private:
  struct Segment {
    char atom;           // 0 for literal text; 'i' with a header name for %({Name}i)s
    std::string text;    // literal text, or the header name
  };
  void append_atom(const Segment& s, const AccessRecord& r);
  void refresh_stamp();

  int fd_;
  std::vector<Segment> segments_;
  std::string buffer_;
  std::int64_t stamp_second_ = -1;
  char stamp_[40] = {};
};

}  // namespace updraft
