// HeadScanner: strict line framing and size limits for request heads, with a tight loop for ordinary bytes.
#include "core/http/head_scanner.hpp"

#include <bit>
#include <cstring>

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

HeadScanner::Result HeadScanner::over_limit(std::size_t at, int status, const char* reason, std::size_t limit,
                                            const char* unit) {
  return {at, false, status, reason, limit, unit};
}

std::string HeadScanner::Result::text() const {
  std::string text(reason);
  if (limit) text.append(" (the limit is ").append(std::to_string(limit)).append(limit_unit).append(")");
  return text;
}

namespace {
// Words are loaded with memcpy; countr_zero then finds the first byte in memory only on little-endian machines.
static_assert(std::endian::native == std::endian::little);
constexpr std::uint64_t kOnes = 0x0101010101010101, kHighBits = 0x8080808080808080;

// The high bit of each byte of x that is zero, and of no other byte.
std::uint64_t zero_bytes(std::uint64_t x) {
  constexpr std::uint64_t low7 = kOnes * 0x7f;
  return ~(((x & low7) + low7) | x | low7);
}

// The high bit of each byte of x that ends an ordinary run: a control character other than tab, or DEL.
std::uint64_t stop_bytes(std::uint64_t x) {
  std::uint64_t below_space = ~((x & (kOnes * 0x7f)) + kOnes * 0x60) & ~x & kHighBits;
  return (below_space & ~zero_bytes(x ^ (kOnes * '\t'))) | zero_bytes(x ^ (kOnes * 0x7f));
}

// How many bytes of a zero_bytes()-style mask are marked.
std::size_t count_marked(std::uint64_t mask) { return static_cast<std::size_t>(((mask >> 7) * kOnes) >> 56); }

bool is_stop(unsigned char c) { return (c < 0x20 && c != '\t') || c == 0x7f; }
}  // namespace

// Consumes a run of ordinary bytes inside a line (the common case) eight at a time,
// advancing i to the first byte that needs the per-byte checks.
HeadScanner::Result HeadScanner::scan_run(std::string_view data, std::size_t& i) {
  std::size_t j = i;
  std::size_t spaces = 0;
  bool stopped = false;
  for (std::uint64_t word; !stopped && j + 8 <= data.size();) {
    std::memcpy(&word, data.data() + j, 8);
    std::uint64_t stops = stop_bytes(word);
    std::size_t ordinary = stops ? static_cast<std::size_t>(std::countr_zero(stops)) / 8 : 8;
    std::uint64_t in_run = ordinary == 8 ? ~std::uint64_t{0} : (std::uint64_t{1} << (8 * ordinary)) - 1;
    spaces += count_marked(zero_bytes(word ^ (kOnes * ' ')) & in_run);
    j += ordinary;
    stopped = ordinary < 8;
  }
  for (; !stopped && j < data.size() && !is_stop(static_cast<unsigned char>(data[j])); ++j) spaces += data[j] == ' ';
  std::size_t run = j - i;
  if (line_no_ == 0) {
    if (line_len_ + run > limits_->max_request_line)
      return request_line_too_long(i + (limits_->max_request_line - line_len_));
    request_line_spaces_ += spaces;
  } else {
    bool field_over = line_len_ + run > limits_->max_header_field_size;
    bool bytes_over = header_bytes_ + run > limits_->max_header_bytes;
    std::size_t field_at = field_over ? i + (limits_->max_header_field_size - line_len_) : data.size();
    std::size_t bytes_at = bytes_over ? i + (limits_->max_header_bytes - header_bytes_) : data.size();
    if (field_over && field_at <= bytes_at) return field_too_large(field_at);
    if (bytes_over) return headers_too_large(bytes_at);
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
        return over_limit(i, 431, "too many header fields", limits_->max_header_count, "");
      ++line_no_;
      line_len_ = 0;
      continue;
    }
    if (c == '\r') {
      cr_pending_ = true;
      continue;
    }
    if (c == '\n') return fail(i, 400, "bare LF in request head");
    if (is_stop(c)) return fail(i, 400, "control character in request head");
    ++line_len_;
    if (line_no_ == 0) {
      request_line_spaces_ += c == ' ' ? 1 : 0;
      if (line_len_ > limits_->max_request_line) return request_line_too_long(i);
      continue;
    }
    if (line_len_ == 1) {
      if (c == ' ' || c == '\t') return fail(i, 400, "obsolete line folding in header");
      if (c == ':') return fail(i, 400, "empty header field name");
    }
    if (line_len_ > limits_->max_header_field_size) return field_too_large(i);
    if (++header_bytes_ > limits_->max_header_bytes) return headers_too_large(i);
  }
  return {data.size(), false, 0, ""};
}

}  // namespace updraft
