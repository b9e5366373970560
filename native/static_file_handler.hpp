// StaticFileHandler: Tornado's: serves the files of a StaticRoot with ETag (a content hash), Last-Modified, 304s on
// If-None-Match and If-Modified-Since, one byte range (206/416), HEAD, a ten-year Cache-Control for versioned
// (?v=) URLs, and the body sent with sendfile(2) (read, when small). Routed by Application::set_static_path() and
// add_static().
#pragma once

#include <string>

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

  void serve_from(const StaticRoot& root) { root_ = &root; }  // wiring, done by Application
  Task<> get();  // also answers HEAD

 private:
  Task<> hash_then_serve();
  void serve(const ContentHashes::Hash& hash);
  void send_body(std::uint64_t offset, std::uint64_t length);
  bool not_modified(std::string_view etag) const;

  const StaticRoot* root_ = nullptr;
  std::string path_;  // relative to the root
  StaticFile file_;
};

}  // namespace updraft
