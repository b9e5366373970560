// RequestHead: what the connection knows about a request once its head has been parsed.
#pragma once

#include <cstdint>
#include <memory>
#include <optional>
#include <string>
#include <string_view>

#include "core/http/headers.hpp"

namespace updraft {

struct RequestHead {
  std::string_view method;  // a static name, or the copy set_method() keeps of a rare one
  std::string target;       // the raw request-target
  int version_minor = 1;    // HTTP/1.x
  HeaderList headers;
  std::optional<std::uint64_t> content_length;
  bool chunked = false;
  bool keep_alive = true;
  // Tornado's remote_ip and protocol: the client's address and the scheme it used: the connection's peer (empty for a
  // unix socket) and "http" or "https" (a TLS connection), or what a trusted proxy says (apply_proxy_headers()). The
  // connection sets both for each request; clear() leaves them.
  std::string remote_ip;
  std::uint16_t remote_port = 0;  // 0: not known
  std::string_view protocol = "http";  // "http" or "https" (static text)

  std::string_view path() const {
    std::string_view t(target);
    return t.substr(0, t.find('?'));
  }
  std::string_view query() const {
    std::string_view t(target);
    auto q = t.find('?');
    return q == std::string_view::npos ? std::string_view() : t.substr(q + 1);
  }
  bool is_head() const { return method == "HEAD"; }
  // For the parser: any token is a method (RFC 9110 9.1); the common ones point at static names, others are copied.
  void set_method(std::string_view name);
  // A chunked body's trailer fields, never merged into headers.
  const HeaderList& trailers() const;
  // For the parser: the trailer fields, made when the first arrives (most requests have none: a waiting request
  // keeps its head, and an empty list inline would cost it 272 bytes).
  HeaderList& trailers_to_fill() {
    if (!trailers_) trailers_ = std::make_unique<HeaderList>();
    return *trailers_;
  }
  bool has_body() const { return chunked || content_length.value_or(0) > 0; }

  // Heap bytes a cleared head keeps: a pool drops a head that holds more than a typical one needs, so that one large
  // request cannot pin its memory for the life of the process.
  std::size_t retained_bytes() const { return target.capacity() + headers.heap_bytes(); }
  static constexpr std::size_t kMaxPooledBytes = 8 * 1024;
  // Gives back the room beyond what the head takes (a head kept for a long connection's life, e.g. a WebSocket's).
  void shrink_to_fit() {
    target.shrink_to_fit();
    headers.shrink_to_fit();
  }

  void clear() {
    method = {};
    rare_method_.reset();
    target.clear();
    version_minor = 1;
    headers.clear();
    trailers_.reset();
    content_length.reset();
    chunked = false;
    keep_alive = true;
  }

 private:
  std::unique_ptr<HeaderList> trailers_;
  std::unique_ptr<std::string> rare_method_;
};

inline const HeaderList& RequestHead::trailers() const {
  static const HeaderList none;
  return trailers_ ? *trailers_ : none;
}

// For Pool<RequestHead>.
inline std::size_t retained_bytes(const RequestHead& head) { return head.retained_bytes(); }

}  // namespace updraft
