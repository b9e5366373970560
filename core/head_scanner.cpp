// HeadScanner: strict line framing and size limits for request heads, with a tight loop for ordinary bytes.
#include "core/head_scanner.hpp"

namespace updraft {

void HeadScanner::reset() { *this = HeadScanner(*limits_); }

void HeadScanner::begin_trailers() {
  reset();
  line_no_ = 1;
  started_ = true;
}

HeadScanner::Result HeadScanner::fail(std::size_t at, int status, const char* reason) {
  return {at, false, status, reason};
}

// Consumes a run of ordinary bytes inside a line (the common case) in one tight loop,
// advancing i to the first byte that needs the per-byte checks.
HeadScanner::Result HeadScanner::scan_run(std::string_view data, std::size_t& i) {
  std::size_t j = i;
  std::size_t spaces = 0;
  while (j < data.size()) {
    const auto d = static_cast<unsigned char>(data[j]);
    if ((d < 0x20 && d != '\t') || d == 0x7f) break;
    spaces += d == ' ' ? 1 : 0;
    ++j;
  }
  std::size_t run = j - i;
  if (line_no_ == 0) {
    if (line_len_ + run > limits_->max_request_line)
      return fail(i + (limits_->max_request_line - line_len_), 414, "request line too long");
    request_line_spaces_ += spaces;
  } else {
    bool field_over = line_len_ + run > limits_->max_header_field_size;
    bool bytes_over = header_bytes_ + run > limits_->max_header_bytes;
    std::size_t field_at = field_over ? i + (limits_->max_header_field_size - line_len_) : data.size();
    std::size_t bytes_at = bytes_over ? i + (limits_->max_header_bytes - header_bytes_) : data.size();
    if (field_over && field_at <= bytes_at) return fail(field_at, 431, "header field too large");
    if (bytes_over) return fail(bytes_at, 431, "request headers too large");
    header_bytes_ += run;
  }
  line_len_ += run;
  i = j;
  return {};
}

HeadScanner::Result HeadScanner::scan(std::string_view data) {
  if (done_) return {0, true, 0, ""};
  if (!data.empty()) started_ = true;
  for (std::size_t i = 0; i < data.size(); ++i) {
    if (!cr_pending_ && line_len_ > 0) {
      Result r = scan_run(data, i);
      if (r.status) return r;
      if (i == data.size()) break;
    }
    const auto c = static_cast<unsigned char>(data[i]);
    if (cr_pending_) {
      if (c != '\n') return fail(i, 400, "bare CR in request head");
      cr_pending_ = false;
      if (line_len_ == 0) {
        if (line_no_ > 0) {
          done_ = true;
          return {i + 1, true, 0, ""};
        }
        if (++leading_empty_lines_ > 1) return fail(i, 400, "empty lines before the request line");
        continue;
      }
      if (line_no_ == 0 && request_line_spaces_ != 2) return fail(i, 400, "malformed request line (HTTP/0.9?)");
      if (line_no_ > 0 && ++field_count_ > limits_->max_header_count)
        return fail(i, 431, "too many header fields");
      ++line_no_;
      line_len_ = 0;
      continue;
    }
    if (c == '\r') {
      cr_pending_ = true;
      continue;
    }
    if (c == '\n') return fail(i, 400, "bare LF in request head");
    if ((c < 0x20 && c != '\t') || c == 0x7f) return fail(i, 400, "control character in request head");
    ++line_len_;
    if (line_no_ == 0) {
      request_line_spaces_ += c == ' ' ? 1 : 0;
      if (line_len_ > limits_->max_request_line) return fail(i, 414, "request line too long");
      continue;
    }
    if (line_len_ == 1) {
      if (c == ' ' || c == '\t') return fail(i, 400, "obsolete line folding in header");
      if (c == ':') return fail(i, 400, "empty header field name");
    }
    if (line_len_ > limits_->max_header_field_size) return fail(i, 431, "header field too large");
    if (++header_bytes_ > limits_->max_header_bytes) return fail(i, 431, "request headers too large");
  }
  return {data.size(), false, 0, ""};
}

}  // namespace updraft
