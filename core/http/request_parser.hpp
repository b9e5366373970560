// RequestParser: llhttp in strict mode plus the RFC 9112 checks llhttp 8.1 leaves to its user.
#pragma once

#include <llhttp.h>

#include <cstddef>
#include <cstdint>
#include <string>
#include <string_view>

#include "core/http/chunk_line.hpp"
#include "core/http/field_pieces.hpp"
#include "core/http/head_scanner.hpp"
#include "core/http/limits.hpp"
#include "core/http/request_head.hpp"

namespace updraft {

class ParserListener {
 public:
  virtual ~ParserListener() = default;
  // The head is complete and valid; return 0 to go on or a status (413, 417...) to reject.
  virtual int on_head(RequestHead& head) = 0;
  // Body bytes as they arrive; return 0 or a status (413) to reject.
  virtual int on_body(std::string_view chunk) = 0;
  // Why on_head() or on_body() just rejected the request, in words: "request body too large (the limit is 1000
  // bytes)".
  virtual std::string rejection_reason() const { return "request rejected"; }
};

class RequestParser {
 public:
  enum class Outcome { need_more, message_done, error };
  struct Result {
    std::size_t consumed = 0;
    Outcome outcome = Outcome::need_more;
    int status = 0;  // for errors: the status to answer with
    std::string_view reason;  // words, valid until the parser's next feed()
  };

  RequestParser(const Limits& limits, ParserListener& listener);
  ~RequestParser();
  RequestParser(const RequestParser&) = delete;
  RequestParser& operator=(const RequestParser&) = delete;

  // The head the next message is parsed into (owned by the caller).
  void set_head(RequestHead* head) { head_ = head; }
  // Parses as much of data as belongs to the current message; stops after each message.
  Result feed(std::string_view data);
  // True between the first byte of a message and its end.
  bool in_message() const { return scanner_.started() && !message_done_; }
  bool in_head() const { return scanner_.in_head(); }
  // Ready for the next message after message_done.
  void next_message();
  // As new, for another listener's next message (parsers are pooled: an idle connection holds none).
  void restart(ParserListener& listener);

  struct Callbacks;

 private:
  friend struct Callbacks;
  int check_head();
  llhttp_errno_t execute_message(std::string_view piece, std::size_t& used);
  llhttp_errno_t take_method(std::string_view piece, std::size_t& used);
  llhttp_errno_t take_chunk_line(std::string_view piece, std::size_t& used);
  llhttp_errno_t execute_rest(std::string_view piece, std::size_t& used);
  Result llhttp_failure(int errno_value, std::size_t at);
  int fail(int status, std::string reason);
  int open_chunk_line();

  const Limits& limits_;
  ParserListener* listener_;
  HeadScanner scanner_;
  RequestHead* head_ = nullptr;
  llhttp_t llhttp_;
  bool headers_done_ = false;
  bool message_done_ = false;
  FieldPieces field_pieces_;
  std::size_t trailer_bytes_ = 0;
  ChunkLine chunk_line_;
  bool chunk_line_open_ = false;  // llhttp waits for a chunk-size line, which chunk_line_ reads first
  bool last_chunk_ = false;
  std::string method_;       // the request line's method, collected before llhttp sees it
  bool method_open_ = true;  // still collecting it
  int error_status_ = 0;
  std::string error_reason_;
};

}  // namespace updraft
