// HttpContext: what one loop's HTTP/1.1 connections share: the server's configuration, pooled request heads and the
// access log.
#pragma once

#include <memory>
#include <string>
#include <vector>

#include "core/http/access_log.hpp"
#include "core/http/delegate.hpp"
#include "core/http/limits.hpp"
#include "core/http/request_head.hpp"
#include "core/http/request_parser.hpp"
#include "core/http/trusted_proxies.hpp"
#include "core/net/pool.hpp"

namespace updraft {

class Loop;

struct HttpConfig {
  Limits limits;
  Timeouts timeouts;
  HandlerFactory* factory = nullptr;
  int access_log_fd = -1;
  std::string access_log_format{AccessLog::kDefaultFormat};
  TrustedProxies trusted_proxies;  // peers whose forwarding headers are believed (proxy_headers.hpp)
};

struct HttpContext {
  HttpContext(Loop& l, const HttpConfig& c) : loop(l), config(c), access_log(c.access_log_fd, c.access_log_format) {}
  Loop& loop;
  const HttpConfig& config;
  Pool<RequestHead> heads{256, RequestHead::kMaxPooledBytes};
  std::vector<std::unique_ptr<RequestParser>> parsers;  // free ones: a connection holds one only inside a request
  AccessLog access_log;
};

}  // namespace updraft
