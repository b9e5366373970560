// ResponseParser: an HTTP/1.1 response as the client reads it, from llhttp in strict mode, with size limits.
#pragma once

#include <llhttp.h>

#include <cstddef>
#include <cstdint>
#include <stdexcept>
#include <string>
#include <string_view>
#include <vector>

#include "core/http/field_pieces.hpp"
#include "core/http/headers.hpp"

namespace updraft::httpclient {

// Bytes that are not a valid response, or one over a limit; what() says which, in words.
class BadResponse : public std::runtime_error {
 public:
  explicit BadResponse(const std::string& what, bool body_too_large = false)
      : std::runtime_error(what), body_too_large_(body_too_large) {}
  bool body_too_large() const { return body_too_large_; }

 private:
  bool body_too_large_;
};

// Parses one final response from bytes fed as they arrive: interim 1xx responses are skipped, a HEAD request's answer
// has no body, a body is framed by Content-Length, chunked coding or the end of the connection (finish()). The body
// is appended to body() or, with keep_pieces, left in the fed bytes as pieces taken with take_pieces().
class ResponseParser {
 public:
  static constexpr std::size_t max_head_bytes = 64 * 1024;

  ResponseParser(bool head_request, std::uint64_t max_body_bytes, bool keep_pieces);
  ResponseParser(const ResponseParser&) = delete;
  ResponseParser& operator=(const ResponseParser&) = delete;

  // Parses what belongs to the response; returns how many bytes that was (what follows it is not consumed). Throws
  // BadResponse.
  std::size_t feed(std::string_view bytes);
  // The connection ended: ends a body that runs to it, else throws BadResponse unless the response was complete.
  void finish();

  bool head_done() const { return head_done_; }
  bool done() const { return done_; }
  bool got_some() const { return got_some_; }
  // After done(): whether the connection may carry another request.
  bool keep_alive() const { return keep_alive_; }

  int status() const { return status_; }
  unsigned http_minor() const { return minor_; }
  const std::string& reason() const { return reason_; }
  HeaderList& headers() { return headers_; }
  std::string& body() { return body_; }
  // With keep_pieces: the body's pieces from the last feed(), views into its bytes.
  const std::vector<std::string_view>& pieces() const { return pieces_; }

  struct Callbacks;

 private:
  [[noreturn]] void fail_llhttp(llhttp_errno_t err);
  int count_head(std::size_t n);

  llhttp_t llhttp_;
  bool head_request_;
  std::uint64_t max_body_bytes_;
  bool keep_pieces_;
  bool head_done_ = false;
  bool done_ = false;
  bool got_some_ = false;
  bool keep_alive_ = false;
  bool body_too_large_ = false;
  int status_ = 0;
  unsigned minor_ = 1;
  std::size_t head_bytes_ = 0;
  std::uint64_t body_bytes_ = 0;
  std::string reason_;
  HeaderList headers_;
  FieldPieces field_pieces_;
  std::string body_;
  std::vector<std::string_view> pieces_;
};

}  // namespace updraft::httpclient
