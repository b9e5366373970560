// AsyncHTTPClient: one fetch as a coroutine on the loop: redirects, a pooled or new connection, the request written in
// one piece and the response read with llhttp (whole, or in pieces for a streaming_callback), gzip decoding, errors as
// Tornado reports them.
//
// Why Asio's sockets and llhttp rather than Boost.Beast's client: a proxied fetch through Beast cost about three times
// a whole hello request in user space (its composed operations, per-operation timers and field allocations;
// bench/proxy_hop.sh), where the response parser the server already trusts, fed from one buffer per connection, costs
// a fraction. llhttp frames every response (HEAD, 1xx, 204, 304, chunked with trailers, close-delimited), the limits
// are counted in its callbacks, and the exchange is plain co_await ... use_task on Asio operations, cancelled through
// the same cancellation slots as any Asio operation in a handler; asio::ssl's stream gives TLS with OpenSSL's
// verification and SNI.
#include "core/httpclient/async_http_client.hpp"

#include <algorithm>
#include <iterator>
#include <memory>
#include <optional>
#include <stdexcept>
#include <string_view>
#include <utility>

#include <boost/asio/as_tuple.hpp>
#include <boost/asio/connect.hpp>
#include <boost/asio/consign.hpp>
#include <boost/asio/ip/tcp.hpp>
#include <boost/asio/ssl/error.hpp>
#include <boost/asio/ssl/host_name_verification.hpp>
#include <boost/asio/write.hpp>
#include <boost/url/parse.hpp>
#include <boost/url/url.hpp>

#include "core/httpclient/connection_pool.hpp"
#include "core/httpclient/gunzip.hpp"
#include "core/httpclient/response_parser.hpp"
#include "core/net/loop_impl.hpp"
#include "core/net/use_task.hpp"

namespace updraft {

namespace {

namespace asio = boost::asio;
using httpclient::ClientConnection;
using httpclient::ConnectionPool;
using httpclient::ResponseParser;
using Clock = std::chrono::steady_clock;

// Where a URL points.
struct Origin {
  bool tls = false;
  std::string host;
  std::string port;
  std::string target;      // path and query
  std::string server;      // scheme://host:port: the pool's key for plain HTTP
  std::string host_field;  // the Host header: the port only when it is not the scheme's

  // The pool's key: a TLS connection must also have been verified the same way.
  std::string key(const HTTPRequest& request) const {
    if (!tls) return server;
    return server + (request.validate_cert ? "|verify|" : "|none|") + request.ca_certs;
  }
};

Origin parse_origin(const std::string& url) {
  auto parsed = boost::urls::parse_uri(url);
  if (!parsed) throw std::invalid_argument("not a URL: " + url);
  Origin origin;
  std::string scheme(parsed->scheme());
  if (scheme == "https") origin.tls = true;
  else if (scheme != "http") throw std::invalid_argument("not an http:// or https:// URL: " + url);
  origin.host = std::string(parsed->encoded_host());
  if (origin.host.empty()) throw std::invalid_argument("no host in " + url);
  if (parsed->host_type() == boost::urls::host_type::ipv6) origin.host = std::string(parsed->host_address());
  origin.port = parsed->has_port() ? std::string(parsed->port()) : (origin.tls ? "443" : "80");
  origin.target = std::string(parsed->encoded_path());
  if (origin.target.empty()) origin.target = "/";
  if (parsed->has_query()) origin.target += "?" + std::string(parsed->encoded_query());
  origin.server = (origin.tls ? "https://" : "http://") + origin.host + ":" + origin.port;
  bool default_port = (origin.tls && origin.port == "443") || (!origin.tls && origin.port == "80");
  std::string name = origin.host.find(':') == std::string::npos ? origin.host : "[" + origin.host + "]";  // IPv6
  origin.host_field = default_port ? name : name + ":" + origin.port;  // (RFC 9110 7.2)
  return origin;
}

// parse_origin(url), remembered for the last URL this thread (a loop) fetched: a handler that fetches one URL over and
// over (a proxy to one upstream, a health check) skips Boost.URL's parse, 6% of a proxied fetch's instructions
// (bench/proxy_hop.sh), and copying its strings; another URL costs one string comparison more. Shared, because a
// fetch keeps its origin while another on the same loop parses the next.
std::shared_ptr<const Origin> origin_of(const std::string& url) {
  thread_local std::string last_url;
  thread_local std::shared_ptr<const Origin> last_origin;
  if (last_url.empty() || url != last_url) {
    last_origin = std::make_shared<const Origin>(parse_origin(url));  // a bad URL throws and is not remembered
    last_url = url;
  }
  return last_origin;
}

// A Location header resolved against the URL it came from.
std::string resolve_location(const std::string& base, std::string_view location) {
  auto base_url = boost::urls::parse_uri(base);
  auto reference = boost::urls::parse_uri_reference(location);
  if (!base_url || !reference) throw HTTPClientError(599, "bad redirect location: " + std::string(location));
  boost::urls::url resolved;
  if (auto r = boost::urls::resolve(*base_url, *reference, resolved); !r)
    throw HTTPClientError(599, "bad redirect location: " + std::string(location));
  return std::string(resolved.buffer());
}

// The failure of an exchange as Tornado's curl client reports it: code 599 with what went wrong.
[[noreturn]] void throw_client_error(const boost::system::system_error& e, const ClientConnection& connection,
                                     bool connecting) {
  if (connection.timed_out())
    throw HTTPTimeoutError(connecting ? "timeout while connecting" : "timeout during request");
  throw HTTPClientError(599, e.code().message());
}

Task<std::shared_ptr<ClientConnection>> connect(asio::io_context& io, const Origin& origin,
                                                 const HTTPRequest& request, Clock::time_point deadline) {
  auto* tls_context =
      origin.tls ? &ConnectionPool::of(io).tls_context(request.validate_cert, request.ca_certs) : nullptr;
  auto connection = std::make_shared<ClientConnection>(io, origin.key(request), tls_context);
  try {
    asio::ip::tcp::resolver resolver(io);
    auto addresses = co_await resolver.async_resolve(origin.host, origin.port, use_task);
    connection->expire_at(std::min(deadline, Clock::now() + request.connect_timeout));
    // Each address in turn (asio::async_connect's range overload declares its result the pre-C++20 way, which
    // use_task does not take).
    auto& socket = connection->socket();
    for (auto it = addresses.begin();; ++it) {
      try {
        co_await socket.async_connect(it->endpoint(), asio::consign(use_task, connection));
        break;
      } catch (const boost::system::system_error&) {
        if (std::next(it) == addresses.end() || connection->timed_out()) throw;
        socket.close();
      }
    }
    socket.set_option(asio::ip::tcp::no_delay(true));
    socket.non_blocking(true);  // the request is first written at once (exchange())
    if (connection->tls) {
      SSL* ssl = connection->tls->native_handle();
      if (!SSL_set_tlsext_host_name(ssl, origin.host.c_str())) throw HTTPClientError(599, "cannot set the TLS SNI name");
      if (request.validate_cert) connection->tls->set_verify_callback(asio::ssl::host_name_verification(origin.host));
      co_await connection->tls->async_handshake(asio::ssl::stream_base::client, asio::consign(use_task, connection));
    }
  } catch (const boost::system::system_error& e) {
    throw_client_error(e, *connection, true);
  }
  connection->expire_never();
  co_return connection;
}

// A name that is not a token, or a CR, LF or NUL in a value, would let a header start another header or a request of
// its own (request smuggling): refused as a bad argument, as a bad URL is.
void check_fields(const HeaderList& headers) {
  for (auto field : headers) {
    bool bad_name = field.name.empty() || !std::all_of(field.name.begin(), field.name.end(), is_tchar);
    bool bad_value = field.value.find_first_of(std::string_view("\r\n\0", 3)) != std::string_view::npos;
    if (bad_name || bad_value) throw std::invalid_argument("unsafe request header " + std::string(field.name));
  }
}

// The request as it goes on the wire, in one buffer for one send. As Beast's message.set() and prepare_payload(): a
// header of the request replaces a default of its name, the last of several of one name wins, and a body sent gets
// its Content-Length.
std::string make_request(const Origin& origin, const HTTPRequest& request, const std::string& method,
                         const std::string& body) {
  const HeaderList& headers = request.headers;
  check_fields(headers);
  bool sends_body = !body.empty() || method == "POST" || method == "PUT" || method == "PATCH";
  std::string bytes;
  bytes.reserve(method.size() + origin.target.size() + origin.host_field.size() + headers.storage_bytes() +
                4 * headers.size() + body.size() + 128);
  using namespace std::string_view_literals;  // appended without a strlen each (a fifth of this function's cost)
  bytes.append(method).append(" "sv).append(origin.target).append(" HTTP/1.1\r\n"sv);
  auto add = [&bytes](std::string_view name, std::string_view value) {
    bytes.append(name).append(": "sv).append(value).append("\r\n"sv);
  };
  auto add_default = [&](std::string_view name, std::string_view value) {
    if (!headers.get(name)) add(name, value);
  };
  add_default("Host", origin.host_field);
  add_default("User-Agent", "updraft AsyncHTTPClient");
  if (request.decompress_response) add_default("Accept-Encoding", "gzip");
  auto repeated_later = [&headers](std::size_t i) {
    for (std::size_t j = i + 1; j < headers.size(); ++j)
      if (iequals(headers[j].name, headers[i].name)) return true;
    return false;
  };
  for (std::size_t i = 0; i < headers.size(); ++i) {
    auto field = headers[i];
    bool framing = iequals(field.name, "Content-Length") || iequals(field.name, "Transfer-Encoding");
    if ((sends_body && framing) || repeated_later(i)) continue;
    add(field.name, field.value);
  }
  if (sends_body) add("Content-Length", std::to_string(body.size()));
  bytes.append("\r\n"sv);
  if (sends_body) bytes.append(body);
  return bytes;
}

bool is_redirect(int code) { return code == 301 || code == 302 || code == 303 || code == 307 || code == 308; }

// Whether fetch() follows this response (when it still may: follows_redirects) rather than returns it.
bool will_follow(const HTTPResponse& response, bool follows_redirects) {
  return follows_redirects && is_redirect(response.code) && response.headers.get("Location");
}

// Hands the head's lines to request.header_callback, if set.
void report_head(ResponseParser& parser, const HTTPRequest& request) {
  if (!request.header_callback) return;
  request.header_callback("HTTP/1." + std::to_string(parser.http_minor()) + " " + std::to_string(parser.status()) +
                          " " + parser.reason() + "\r\n");
  for (auto field : parser.headers())
    request.header_callback(std::string(field.name) + ": " + std::string(field.value) + "\r\n");
  request.header_callback("\r\n");
}

// Renames a gzip Content-Encoding to X-Consumed-Content-Encoding, as Tornado does when it decodes: true if gzip.
bool consume_gzip_encoding(HeaderList& headers) {
  auto encoding = headers.get("Content-Encoding");
  if (!encoding || !iequals(trim_ows(*encoding), "gzip")) return false;
  std::string value(*encoding);
  headers.remove("Content-Encoding");
  headers.add("X-Consumed-Content-Encoding", value);
  return true;
}

[[noreturn]] void throw_decoded_too_large(const HTTPRequest& request) {
  throw HTTPClientError(599, "decoded response body larger than max_body_size (" +
                                 std::to_string(request.max_body_size) + " bytes)");
}

// What became of an exchange, besides its response.
struct ExchangeOutcome {
  bool reusable = false;       // the connection can take another request
  bool got_response = false;   // some of a response arrived (a failed request then is not retried)
};

// The next decoded piece of a streamed gzip body; corrupt bytes fail the fetch (599).
std::string_view next_decoded(httpclient::GunzipStream& decoder) {
  try {
    return decoder.output();
  } catch (const std::runtime_error& e) {
    throw HTTPClientError(599, e.what());
  }
}

// Where a streamed body goes: to request.streaming_callback, decoded first when gzip is decoded.
struct BodySink {
  explicit BodySink(const HTTPRequest& r) : request(r) {}
  const HTTPRequest& request;
  std::optional<httpclient::GunzipStream> decoder;
  std::uint64_t decoded = 0;
  bool got_body = false;

  Task<> deliver(std::string_view piece) {
    got_body = true;
    if (!decoder) {
      co_await request.streaming_callback(piece);
      co_return;
    }
    decoder->input(piece);
    for (auto out = next_decoded(*decoder); !out.empty(); out = next_decoded(*decoder)) {
      decoded += out.size();
      if (decoded > request.max_body_size) throw_decoded_too_large(request);
      co_await request.streaming_callback(out);
    }
  }
  void finish() const {
    if (decoder && got_body && !decoder->ended()) throw HTTPClientError(599, "the gzip response body is truncated");
  }
};

// Writes what of the request the socket takes at once (plain TCP: no operation, no wake-up); returns how much.
std::size_t send_now(ClientConnection& connection, const std::string& message) {
  if (connection.tls) return 0;
  boost::system::error_code error;
  std::size_t sent = connection.plain->write_some(asio::buffer(message), error);  // non-blocking: what fits now
  if (error && error != asio::error::would_block) throw boost::system::system_error(error);
  return sent;
}

// Sends the request and reads its response on one connection into the connection's buffer, parsed as it arrives. With
// request.streaming_callback the final response's body is handed over piece by piece as it arrives (memory stays the
// buffer whatever the body's size); a redirect that fetch() follows has its body read and dropped. Asio's operations
// keep the connection (and so the buffer) alive with asio::consign until they complete, which may be after this
// coroutine was destroyed (its client hung up). The response is written into the caller's (as outcome is): each level a
// response is returned through costs two moves of it (its HeaderList is copied inline), 3 % of a proxied request.
template <class Stream>
Task<> exchange(Stream& stream, std::shared_ptr<ClientConnection> connection, const std::string& message, bool head,
                const HTTPRequest& request, Clock::time_point deadline, bool follows_redirects,
                HTTPResponse& response, ExchangeOutcome& outcome) {
  connection->expire_at(deadline);
  if (std::size_t sent = send_now(*connection, message); sent < message.size()) {
    auto rest = std::make_shared<const std::string>(message.substr(sent));
    co_await asio::async_write(stream, asio::buffer(*rest), asio::consign(use_task, connection, rest));
  }
  bool streams = static_cast<bool>(request.streaming_callback);
  ResponseParser parser(head, request.max_body_size, streams);
  BodySink sink(request);
  bool delivers = false;
  try {
    for (;;) {
      bool had_head = parser.head_done();
      std::size_t used = parser.feed(connection->unparsed());
      if (parser.head_done() && !had_head) {
        report_head(parser, request);
        response.code = parser.status();
        response.reason = parser.reason();
        response.headers = std::move(parser.headers());
        delivers = streams && !will_follow(response, follows_redirects);
        if (delivers && request.decompress_response && consume_gzip_encoding(response.headers))
          sink.decoder.emplace();
      }
      if (delivers)
        for (auto piece : parser.pieces()) co_await sink.deliver(piece);  // views into the buffer, consumed below
      connection->consume(used);
      if (parser.done()) break;
      if (connection->timed_out()) throw boost::system::system_error(asio::error::operation_aborted);
      auto [error, n] = co_await stream.async_read_some(connection->room(),
                                                        asio::consign(asio::as_tuple(use_task), connection));
      // The end of the connection ends a body that runs to it (a TLS peer often closes without close_notify).
      bool ended = error == asio::error::eof || error == asio::ssl::error::stream_truncated;
      if (ended && parser.got_some()) {
        parser.finish();
        break;
      }
      if (error) throw boost::system::system_error(error);
      connection->filled(n);
    }
  } catch (const boost::system::system_error&) {
    outcome.got_response = parser.got_some();
    throw;
  }
  sink.finish();
  connection->expire_never();
  outcome.got_response = true;
  outcome.reusable = parser.keep_alive() && connection->unparsed().empty();  // nothing unasked was sent
  if (!streams) response.body = std::move(parser.body());
}

// A gzip body decoded whole (an empty one, as a HEAD response's, is left empty); corrupt bytes fail the fetch (599).
void decode_gzip(HTTPResponse& response, const HTTPRequest& request) {
  if (!consume_gzip_encoding(response.headers) || response.body.empty()) return;
  std::optional<std::string> decoded;
  try {
    decoded = httpclient::gunzip(response.body, request.max_body_size);
  } catch (const std::runtime_error& e) {
    throw HTTPClientError(599, e.what());
  }
  if (!decoded) throw_decoded_too_large(request);
  response.body = std::move(*decoded);
}

bool idempotent(const std::string& method) {
  return method == "GET" || method == "HEAD" || method == "PUT" || method == "DELETE" || method == "OPTIONS";
}

// One request and its response, on a kept-alive connection if the pool has one (retried once on a new connection if
// the server had closed it meanwhile), else on a new one. follows_redirects: fetch() still follows a redirect. The
// response is written into fetch()'s, as exchange() writes it.
Task<> fetch_once(asio::io_context& io, const std::string& url, const HTTPRequest& request, const std::string& method,
                  const std::string& body, Clock::time_point deadline, bool follows_redirects,
                  HTTPResponse& response) {
  auto origin = origin_of(url);
  std::string message = make_request(*origin, request, method, body);
  bool head = method == "HEAD";
  bool can_retry = idempotent(method);
  auto& pool = ConnectionPool::of(io);
  for (int attempt = 0;; ++attempt) {
    std::shared_ptr<ClientConnection> connection;
    if (attempt == 0) connection = origin->tls ? pool.take(origin->key(request), can_retry)
                                               : pool.take(origin->server, can_retry);
    bool reused = connection != nullptr;
    if (!connection) connection = co_await connect(io, *origin, request, deadline);
    ExchangeOutcome outcome;
    try {
      if (connection->tls)
        co_await exchange(*connection->tls, connection, message, head, request, deadline, follows_redirects, response,
                          outcome);
      else
        co_await exchange(*connection->plain, connection, message, head, request, deadline, follows_redirects,
                          response, outcome);
      if (outcome.reusable) pool.give_back(std::move(connection));
      if (request.decompress_response) decode_gzip(response, request);
      co_return;
    } catch (const httpclient::BadResponse& e) {
      throw HTTPClientError(599, e.what());
    } catch (const boost::system::system_error& e) {
      // The server may have closed a kept-alive connection as we reused it: an idempotent request that got no
      // response is tried once more on a new connection.
      bool retry = reused && attempt == 0 && !outcome.got_response && can_retry;
      if (!retry) throw_client_error(e, *connection, false);
    }
  }
}

}  // namespace

Task<HTTPResponse> AsyncHTTPClient::fetch(std::string url, bool raise_error) {
  return fetch(HTTPRequest{.url = std::move(url)}, raise_error);
}

Task<HTTPResponse> AsyncHTTPClient::fetch(HTTPRequest request, bool raise_error) {
  auto start = Clock::now();
  auto deadline = start + request.request_timeout;
  asio::io_context& io = loop_.impl().io;
  std::string url = std::move(request.url);  // the fetches below use these, and change them on redirects
  std::string method = request.method;
  std::string body = std::move(request.body);
  HTTPResponse response;
  for (int redirects = 0;; ++redirects) {
    bool follows_redirects = request.follow_redirects && redirects < request.max_redirects;
    co_await fetch_once(io, url, request, method, body, deadline, follows_redirects, response);
    if (!will_follow(response, follows_redirects)) break;
    url = resolve_location(url, *response.headers.get("Location"));
    // As browsers and Tornado: 303, and 301/302 after a POST, continue with a GET without the body.
    if (response.code == 303 || ((response.code == 301 || response.code == 302) && method == "POST")) {
      method = "GET";
      body.clear();
    }
  }
  response.effective_url = url;
  response.request_time = Clock::now() - start;
  if (raise_error && (response.code < 200 || response.code >= 300)) {
    std::string reason = response.reason;
    throw HTTPClientError(response.code, reason, std::move(response));
  }
  co_return response;
}

}  // namespace updraft
