// A streaming multipart/form-data parser (RFC 7578): fed the body in pieces of any size, it reports each part's
// headers, its bytes as they arrive and its end, within Tornado 6.5's limits on parts and part headers.
#pragma once

#include <cstddef>
#include <optional>
#include <stdexcept>
#include <string>
#include <string_view>

namespace updraft {

struct MultipartLimits {
  std::size_t max_parts = 100;
  std::size_t max_part_header_bytes = 10 * 1024;
};

// A part's Content-Disposition name and filename (filename*= decoded, RFC 8187, preferred over filename=) and its
// Content-Type (text/plain when absent, as RFC 7578 4.4 says).
struct PartHeaders {
  std::string name;
  std::optional<std::string> filename;
  std::string content_type = "text/plain";
};

// What the body is fed to; the parser calls part_begin, part_data (any number of times), part_end for each part.
class MultipartSink {
 public:
  virtual ~MultipartSink() = default;
  virtual void part_begin(const PartHeaders& headers) = 0;
  virtual void part_data(std::string_view bytes) = 0;
  virtual void part_end() = 0;
};

// A malformed body or a limit passed; what() says which in words for the 400 page.
class MultipartError : public std::runtime_error {
 public:
  using std::runtime_error::runtime_error;
};

// The boundary parameter of a multipart/form-data Content-Type, or nullopt if it is not one or has no valid boundary.
std::optional<std::string> multipart_boundary(std::string_view content_type);

class MultipartParser {
 public:
  MultipartParser(std::string_view boundary, MultipartSink& sink, MultipartLimits limits = {});
  // Takes the next piece of the body; throws MultipartError, after which the parser takes nothing more.
  void feed(std::string_view piece);
  // The body is over: throws MultipartError unless the closing boundary was seen.
  void finish();

 private:
  enum class State { preamble, after_delimiter, headers, body, epilogue, failed };
  bool step();  // consumes what it can of pending_; false when it needs more bytes
  bool after_delimiter();
  bool headers();
  bool body();
  [[noreturn]] void fail(const std::string& message);

  std::string delimiter_;  // CRLF "--" boundary
  MultipartSink& sink_;
  MultipartLimits limits_;
  State state_ = State::preamble;
  std::string pending_;
  std::size_t parts_ = 0;
};

}  // namespace updraft
