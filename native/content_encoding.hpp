// Streaming encoders for the content codings of responses: gzip with zlib, br with brotli (their headers only in
// content_encoding.cpp).
#pragma once

#include <memory>
#include <string>
#include <string_view>

#include "native/accept_encoding.hpp"

namespace updraft {

class ContentEncoder {
 public:
  enum class Flush {
    none,    // buffer as the coding likes: the bytes appended so far may not yet decode to all that was given
    sync,    // everything given so far decodes from what was appended (a zlib sync flush, a brotli flush)
    finish,  // ends the stream; nothing may be given after it
  };

  virtual ~ContentEncoder() = default;
  // Appends chunk, encoded, to out. Throws std::bad_alloc when the library runs out of memory, std::logic_error after
  // a finish.
  virtual void encode(std::string_view chunk, Flush flush, std::string& out) = 0;
};

// An encoder for coding (gzip or br; std::invalid_argument for identity or a level the library refuses) at level:
// zlib's 1-9 for gzip, brotli's quality 0-11 for br. A finished gzip encoder goes back to its thread's spare slot, so
// the next one costs a deflateReset instead of a stream's 270 KiB allocated and cleared again.
std::unique_ptr<ContentEncoder> make_content_encoder(ContentCoding coding, int level);

// The whole of body in coding, in one piece (what a cache of compressed files keeps).
std::string encode_content(ContentCoding coding, int level, std::string_view body);

}  // namespace updraft
