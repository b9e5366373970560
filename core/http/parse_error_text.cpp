// Sentences for the llhttp errors a request can cause (never the HPE_* name).
#include "core/http/parse_error_text.hpp"

#include <llhttp.h>

#include <cstring>

namespace updraft {

const char* parse_error_text(int llhttp_errno, const char* llhttp_reason) {
  switch (static_cast<llhttp_errno_t>(llhttp_errno)) {
    case HPE_INVALID_METHOD:
      return "the method is not one HTTP defines";
    case HPE_INVALID_URL:
      return "the request-target holds a character not allowed in a URL (spaces and controls must be %-encoded)";
    case HPE_INVALID_VERSION:
      if (std::strcmp(llhttp_reason, "Invalid HTTP version") == 0)  // well formed, but not 1.0 or 1.1: a 505
        return "only HTTP/1.1 and HTTP/1.0 are supported";
      [[fallthrough]];
    case HPE_INVALID_CONSTANT:
      return "the request line does not end with a valid HTTP version (HTTP/1.1 or HTTP/1.0)";
    case HPE_PAUSED_H2_UPGRADE:
      return "HTTP/2 without TLS is not supported: send HTTP/1.1";
    case HPE_INVALID_HEADER_TOKEN:
      return "a header field name or value holds a character not allowed in it";
    case HPE_INVALID_CONTENT_LENGTH:
      return "Content-Length is not one decimal number";
    case HPE_UNEXPECTED_CONTENT_LENGTH:
      return "Content-Length is given more than once, or beside Transfer-Encoding";
    case HPE_INVALID_CHUNK_SIZE:
      return "a chunk size of the chunked body is not a hexadecimal number";
    case HPE_INVALID_TRANSFER_ENCODING:
      return "Transfer-Encoding is malformed";
    case HPE_CR_EXPECTED:
    case HPE_LF_EXPECTED:
    case HPE_STRICT:
      return "a line of the request does not end with CR LF";
    case HPE_UNEXPECTED_SPACE:
      return "a space where HTTP allows none";
    default:
      return llhttp_reason;
  }
}

}  // namespace updraft
