// HeadScanner: a byte-level pass over each request head that enforces what llhttp 8.1 lets through and the size limits.
#pragma once

#include <cstddef>
#include <cstdint>
#include <string>
#include <string_view>

#include "core/http/limits.hpp"

namespace updraft {

// Rejects bare CR/LF line ends (so "\r\n\n" and "\r\n\r" + byte), obs-fold, empty field
// names, control characters in fields, more than one empty line before the request line
// and a request line without exactly two spaces (HTTP/0.9, loose spacing), and applies
// the request-line (414) and header (431) limits as bytes arrive.
class HeadScanner {
 public:
  struct Result {
    std::size_t consumed = 0;  // bytes of data that belong to the head
    bool head_done = false;    // the empty line ending the head was seen
    int status = 0;            // non-zero: reject with this status
    const char* reason = "";
    std::size_t limit = 0;        // for a 414 or 431: the limit that was passed, in limit_unit
    const char* limit_unit = "";
    // The reason in words, with the limit when one was passed: "request line too long (the limit is 8190 bytes)".
    std::string text() const;
  };

  explicit HeadScanner(const Limits& limits) : limits_(&limits) {}
  Result scan(std::string_view data);
  void reset();
  // Scans a chunked body's trailer section next: field lines up to an empty line, no request line.
  void begin_trailers();
  bool in_head() const { return !done_; }
  bool started() const { return started_; }

 private:
  Result fail(std::size_t at, int status, const char* reason);
  Result over_limit(std::size_t at, int status, const char* reason, std::size_t limit, const char* unit = " bytes");
  Result request_line_too_long(std::size_t at) {
    return over_limit(at, 414, "request line too long", limits_->max_request_line);
  }
  Result field_too_large(std::size_t at) {
    return over_limit(at, 431, "header field too large", limits_->max_header_field_size);
  }
  Result headers_too_large(std::size_t at) {
    return over_limit(at, 431, "request headers too large", limits_->max_header_bytes, " bytes in all");
  }
  Result scan_run(std::string_view data, std::size_t& i);
  const Limits* limits_;
  std::uint32_t line_no_ = 0;
  std::uint32_t line_len_ = 0;
  std::uint32_t request_line_spaces_ = 0;
  std::uint32_t header_bytes_ = 0;
  std::uint32_t field_count_ = 0;
  std::uint32_t leading_empty_lines_ = 0;
  bool cr_pending_ = false;
  bool done_ = false;
  bool started_ = false;
};

}  // namespace updraft
