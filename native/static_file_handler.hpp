// StaticFileHandler: Tornado's: serves the files of a StaticRoot with ETag (a content hash), Last-Modified, 304s on
// If-None-Match and If-Modified-Since, one byte range (206/416), HEAD, a ten-year Cache-Control for versioned
// (?v=) URLs, and the body sent with sendfile(2) (read, when small); with compress_response, a compressible file
// whole in gzip or br from a copy made once per version (a range is served from the file as it is). Routed by
// Application::set_static_path() and add_static().
#pragma once

#include <string>

#include "native/accept_encoding.hpp"
#include "native/content_hashes.hpp"
#include "native/request_handler.hpp"
#include "native/static_root.hpp"

namespace updraft {

class StaticFileHandler : public RequestHandler {
 public:
  // Tornado's CACHE_MAX_AGE: ten years, for URLs with a v argument.
  static constexpr long kCacheMaxAge = 86400L * 365 * 10;
  // Bodies up to this size are read and sent with the head; larger ones go with sendfile(2).
  static constexpr std::uint64_t kReadLimit = 16 * 1024;
  // Compressible files up to this size are sent compressed (their copies kept); larger ones go out as they are.
  static constexpr std::uint64_t kCompressLimit = 8u << 20;

  // The route's argument (Application::add_static, set_static_path): the files it serves.
  void initialize(const StaticRoot* root) { root_ = root; }
  Task<> get();  // also answers HEAD

 private:
  Task<> hash_then_serve();
  Task<> serve(const ContentHashes::Known& known);
  Task<> send_compressed(ContentCoding coding, const ContentHashes::Hash& hash);
  Task<> compress_then_send(ContentCoding coding, ContentHashes::Hash hash);
  void send_copy(ContentCoding coding, const std::string& copy);
  void send_body(std::uint64_t offset, std::uint64_t length);
  bool not_modified(const ContentHashes::Known& known) const;

  const StaticRoot* root_ = nullptr;
  std::string path_;  // relative to the root
  StaticFile file_;  // open unless the answer needs nothing from the file that known_ lacks
  ContentHashes::Known known_;
};

}  // namespace updraft
