// Response framing and serialisation: status line, headers, chunks, with the RFC 9112 rules for when a body may be sent.
#pragma once

#include <cstdint>
#include <string>
#include <string_view>

#include "core/http/headers.hpp"
#include "core/http/request_head.hpp"

namespace updraft {

enum class BodyFraming { none, content_length, chunked, until_close };

struct ResponsePlan {
  BodyFraming framing = BodyFraming::none;
  std::uint64_t length = 0;  // for content_length
  bool keep_alive = true;
};

std::string_view reason_phrase(int status);

// Decides framing: no body for HEAD, 1xx, 204 and 304; Content-Length when the handler
// gave one; chunked on HTTP/1.1; until close on HTTP/1.0.
ResponsePlan plan_response(const RequestHead& request, int status, const HeaderList& headers, bool must_close);

// Appends the status line and headers; hop-by-hop fields from the handler are replaced by ours.
// An empty reason means reason_phrase(status).
void encode_head(std::string& out, const RequestHead& request, int status, const HeaderList& headers,
                 const ResponsePlan& plan, std::string_view date_line, std::string_view reason = {});
void encode_chunk(std::string& out, std::string_view data);
// The size line of a chunk whose data is sent separately (then "\r\n").
void encode_chunk_header(std::string& out, std::uint64_t size);
void encode_last_chunk(std::string& out);

// The head of a 101 answer: the status line, Date, and the headers as given (Upgrade and Connection among them).
void encode_switching_protocols(std::string& out, const HeaderList& headers, std::string_view date_line);

// The body of the server's own error responses, the status and what was wrong in words:
// "413 Content Too Large: request body too large (the limit is 1000 bytes)\n".
std::string error_text(int status, std::string_view detail);

// A complete error response (text/plain body, error_text(), Connection: close) for the connection's own errors.
void encode_error(std::string& out, int status, std::string_view detail, std::string_view date_line);

}  // namespace updraft
