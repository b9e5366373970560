// compress_response: Tornado's GZipContentEncoding output transform, past Tornado with br. A response of a
// compressible type is sent gzip- or brotli-encoded when the client accepts it, chunk by chunk as the handler flushes.
#pragma once

#include <cstddef>
#include <memory>
#include <string>
#include <string_view>

#include "core/http/headers.hpp"
#include "core/http/request_head.hpp"
#include "native/accept_encoding.hpp"

namespace updraft {

class ContentEncoder;

// The compress_response settings (Application::set_compress_response).
struct CompressionOptions {
  int gzip_level = 6;           // zlib's, 1-9; Tornado's GZIP_LEVEL (nginx's gzip_comp_level defaults to 1)
  int brotli_quality = 4;       // brotli's, 0-11: quick enough for responses made per request
  std::size_t min_length = 1024;  // Tornado's MIN_LENGTH: a whole body smaller than this goes out as it is
  bool brotli = true;           // offer br; false: gzip only, as Tornado
};

// Throws std::invalid_argument for a gzip level outside 1-9 or a brotli quality outside 0-11.
void check_compression_options(const CompressionOptions& options);

// Tornado's compressible types: text/*, its list (JavaScript, JSON, XML, Atom, XHTML, SVG) and a few more a site
// serves (RSS, web manifests, WebAssembly, TrueType and OpenType fonts, icons), and any type with a +json or +xml
// suffix; parameters are ignored, case too.
bool compressible_type(std::string_view content_type);

// What a response that may be compressed sends: Vary names Accept-Encoding (added to a Vary already there, once).
void vary_on_accept_encoding(HeaderList& headers);

// The coding a request's Accept-Encoding asks for under options; identity for HEAD (its Content-Length is that of
// the body as it is).
ContentCoding requested_coding(const CompressionOptions& options, const RequestHead& request);

// Marks headers for a body encoded in coding: Content-Encoding, and the ETag made weak (as nginx does: the encoded
// bytes are not the entity the strong tag named).
void set_content_encoding(HeaderList& headers, ContentCoding coding);

class ResponseCompressor {
 public:
  // Transforms the first chunk of a response (the whole body when finishing), with its status and headers: a
  // compressible type (with no Content-Encoding already) gets Vary: Accept-Encoding, and its chunk is compressed when
  // the request asks for a coding, the status has a body (not 1xx, 204, 206 or 304), and the body is not a whole one
  // under min_length. Compressed, the headers say so, and Content-Length is the encoded length when finishing, else
  // removed (chunked). Returns the compressor of the chunks to come, or none when the response goes out as it is.
  static std::unique_ptr<ResponseCompressor> start(const CompressionOptions& options, const RequestHead& request,
                                                   int status, HeaderList& headers, std::string& chunk,
                                                   bool finishing);

  explicit ResponseCompressor(std::unique_ptr<ContentEncoder> encoder);
  ~ResponseCompressor();

  // A later chunk, compressed in place with a sync flush (the client can decode all of it at once), or ending the
  // stream when finishing. An empty chunk that does not finish stays empty.
  void transform_chunk(std::string& chunk, bool finishing);

 private:
  std::unique_ptr<ContentEncoder> encoder_;
};

}  // namespace updraft
