// AccessLog: one line per request, buffered per loop and written out on the loop's tick, never per request.
#pragma once

#include <chrono>
#include <cstdint>
#include <string>
#include <string_view>

namespace updraft {

struct AccessRecord {
  std::string_view remote_address;
  std::string_view method;
  std::string_view target;
  int version_minor = 1;
  int status = 0;
  std::uint64_t body_bytes = 0;
  std::chrono::steady_clock::duration duration{};
};

class AccessLog {
 public:
  // fd to write to (1 for stdout); -1 disables the log.
  explicit AccessLog(int fd) : fd_(fd) {}
  bool enabled() const { return fd_ >= 0; }
  // Formats: REMOTE - - [time] "METHOD TARGET HTTP/1.x" STATUS BYTES DURATION_US
  void record(const AccessRecord& r);
  void flush();

 private:
  int fd_;
  std::string buffer_;
  std::int64_t stamp_second_ = -1;
  char stamp_[40] = {};
};

}  // namespace updraft
