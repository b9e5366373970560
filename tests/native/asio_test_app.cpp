// asio_test_app: native handlers awaiting Asio operations (timers, the resolver, sockets, asio::awaitable) and Task<T>
// values, and being cancelled when their client hangs up; AsyncHTTPClient's fetches and the routes they fetch; /spin to
// keep the loop busy. Driven by tests/e2e/test_native_asio*.py, tests/e2e/test_async_http_client*.py and
// bench/proxy_hop.sh.
#include <algorithm>
#include <atomic>
#include <chrono>
#include <cstdio>
#include <string>

#include <CLI/CLI.hpp>
#include <boost/asio/as_tuple.hpp>
#include <boost/asio/buffer.hpp>
#include <boost/asio/connect.hpp>
#include <boost/asio/ip/tcp.hpp>
#include <boost/asio/read.hpp>
#include <boost/asio/steady_timer.hpp>
#include <boost/asio/use_awaitable.hpp>
#include <boost/asio/write.hpp>
#include <boost/json.hpp>
#include <zlib.h>

#include "cli/serve.hpp"
#include "cli/server_flags.hpp"
#include "core/httpclient/async_http_client.hpp"
#include "native/application.hpp"
#include "native/asio.hpp"
#include "native/ops_handlers.hpp"

using namespace updraft;
namespace asio = boost::asio;
using asio::ip::tcp;
using std::chrono::milliseconds;

namespace {

// What the tests observe through GET /counters.
std::atomic<long> connection_closed{0};
std::atomic<long> task_frames_destroyed{0};
std::atomic<long> awaitable_cancelled{0};
std::atomic<long> resumed_after_hang_up{0};
std::atomic<long> chunks_streamed{0};

// Counts the destruction of the coroutine frame it lives in.
struct FrameDestroyed {
  ~FrameDestroyed() { ++task_frames_destroyed; }
};

tcp::endpoint upstream(RequestHandler& h) {
  return {asio::ip::make_address("127.0.0.1"), static_cast<unsigned short>(h.get_argument<int>("port"))};
}

// Waits ?ms= on an Asio timer.
struct TimerHandler : RequestHandler {
  Task<> get() {
    int ms = get_argument<int>("ms", 10);
    asio::steady_timer timer(executor(loop()), milliseconds(ms));
    co_await timer.async_wait(use_task);
    write("waited " + std::to_string(ms));
  }
};

// Resolves ?host= with Asio's resolver: the addresses as a JSON list.
struct ResolveHandler : RequestHandler {
  Task<> get() {
    tcp::resolver resolver(executor(loop()));
    auto results = co_await resolver.async_resolve(get_argument("host"), "80", use_task);
    boost::json::array addresses;
    for (const auto& entry : results) addresses.emplace_back(entry.endpoint().address().to_string());
    write(boost::json::value(addresses));
  }
};

// Connects to the upstream on 127.0.0.1:?port=, sends ?send= and answers with what it sends back until it closes.
struct UpstreamHandler : RequestHandler {
  Task<> get() {
    tcp::socket socket(executor(loop()));
    co_await socket.async_connect(upstream(*this), use_task);
    std::string request = get_argument("send", "");
    co_await asio::async_write(socket, asio::buffer(request), use_task);
    std::string reply;
    auto [ec, n] = co_await asio::async_read(socket, asio::dynamic_buffer(reply), asio::as_tuple(use_task));
    if (ec != asio::error::eof) throw HTTPError(502, ec.message());
    write(reply);
  }
};

// Waits for an upstream that never answers: with ?via=task in this coroutine, with ?via=awaitable in an
// asio::awaitable of its own (its socket is closed only if the cancellation reaches it).
asio::awaitable<std::string> read_one(tcp::endpoint where) {
  tcp::socket socket(co_await asio::this_coro::executor);
  co_await socket.async_connect(where, asio::use_awaitable);
  char byte = 0;
  try {
    co_await socket.async_read_some(asio::buffer(&byte, 1), asio::use_awaitable);
  } catch (const boost::system::system_error& e) {
    if (e.code() == asio::error::operation_aborted) ++awaitable_cancelled;
    throw;
  }
  co_return std::string(1, byte);
}

struct SlowUpstreamHandler : RequestHandler {
  Task<> get() {
    FrameDestroyed destroyed;
    std::string got;
    if (get_argument("via", "task") == "awaitable") {
      got = co_await spawn(loop(), read_one(upstream(*this)));
    } else {
      tcp::socket socket(executor(loop()));
      co_await socket.async_connect(upstream(*this), use_task);
      char byte = 0;
      co_await socket.async_read_some(asio::buffer(&byte, 1), use_task);
      got.assign(1, byte);
    }
    ++resumed_after_hang_up;
    write(got);
  }
  void on_connection_close() override { ++connection_closed; }
};

// Task<T> values through a chain of tasks awaiting an Asio timer; ?fail=1: the inner task throws a 409.
Task<int> sum_later(Loop& loop, int a, int b, bool fail) {
  asio::steady_timer timer(executor(loop), milliseconds(5));
  co_await timer.async_wait(use_task);
  if (fail) throw HTTPError(409, "the inner task failed");
  co_return a + b;
}

Task<std::string> describe(Loop& loop, bool fail) {
  int sum = co_await sum_later(loop, 2, 3, fail);
  co_return "sum " + std::to_string(sum);
}

struct ValuesHandler : RequestHandler {
  Task<> get() { write(co_await describe(loop(), get_argument("fail", "0") == "1")); }
};

// --- AsyncHTTPClient -------------------------------------------------------------------------------------------------

// What a streaming_callback was given: pieces, bytes, the largest piece and the bytes' CRC-32.
struct Streamed {
  long chunks = 0;
  std::size_t bytes = 0;
  std::size_t largest = 0;
  unsigned long crc = crc32(0, nullptr, 0);
  void add(std::string_view chunk) {
    ++chunks;
    ++chunks_streamed;
    bytes += chunk.size();
    largest = std::max(largest, chunk.size());
    crc = crc32(crc, reinterpret_cast<const Bytef*>(chunk.data()), static_cast<uInt>(chunk.size()));
  }
  boost::json::object json() const {
    return {{"chunks", chunks}, {"bytes", bytes}, {"largest", largest}, {"crc32", crc}};
  }
};

// Fetches ?url= with the HTTPRequest settings given as arguments; answers what came back (or the error) as JSON.
// ?stream=plain streams the body to a plain streaming_callback, ?stream=coroutine to one that awaits a timer for each
// piece before counting it; what they were given is the answer's "streamed". ?header_lines=1: the lines a
// header_callback was given are the answer's "header_lines".
struct FetchHandler : RequestHandler {
  Task<> get() {
    HTTPRequest request{.url = get_argument("url"),
                        .method = get_argument("method", "GET"),
                        .body = get_argument("body", ""),
                        .follow_redirects = get_argument<bool>("follow_redirects", true),
                        .max_redirects = get_argument<int>("max_redirects", 5),
                        .decompress_response = get_argument<bool>("decompress_response", true),
                        .validate_cert = get_argument<bool>("validate_cert", true),
                        .ca_certs = get_argument("ca_certs", "")};
    request.connect_timeout = milliseconds(get_argument<long>("connect_timeout_ms", 20000));
    request.request_timeout = milliseconds(get_argument<long>("request_timeout_ms", 20000));
    request.max_body_size = get_argument<unsigned long>("max_body_size", 100 << 20);
    if (auto value = get_query_argument("x_test")) request.headers.add("X-Test", *value);
    Streamed streamed;
    std::string stream = get_argument("stream", "");
    if (stream == "plain") {
      request.streaming_callback = [&streamed](std::string_view chunk) { streamed.add(chunk); };
    } else if (stream == "coroutine") {
      request.streaming_callback = [&streamed, this](std::string_view chunk) -> Task<> {
        asio::steady_timer timer(executor(loop()), milliseconds(0));
        co_await timer.async_wait(use_task);
        streamed.add(chunk);  // the piece stays valid until this returns: the client reads on only then
      };
    }
    boost::json::array header_lines;
    bool reports_head = get_argument<bool>("header_lines", false);
    if (reports_head)
      request.header_callback = [&header_lines](std::string_view line) { header_lines.emplace_back(line); };
    boost::json::object out;
    try {
      AsyncHTTPClient client(loop());
      HTTPResponse r = co_await client.fetch(std::move(request), get_argument<bool>("raise_error", true));
      out = response_json(r);
    } catch (const HTTPClientError& e) {
      out["error"] = e.what();
      out["error_code"] = e.code();
      out["timeout"] = dynamic_cast<const HTTPTimeoutError*>(&e) != nullptr;
      if (e.response()) out["response"] = response_json(*e.response());
    }
    if (!stream.empty()) out["streamed"] = streamed.json();
    if (reports_head) out["header_lines"] = std::move(header_lines);
    write(boost::json::value(std::move(out)));
  }
  static boost::json::object response_json(const HTTPResponse& r) {
    boost::json::object headers;
    for (auto field : r.headers) headers[std::string(field.name)] = std::string(field.value);
    return {{"code", r.code}, {"reason", r.reason}, {"body", r.body}, {"effective_url", r.effective_url},
            {"headers", std::move(headers)}};
  }
};

// Relays ?url='s body to this handler's client as it arrives: a coroutine streaming_callback that waits for each piece
// to be taken (flush) before the client reads the next from the upstream.
struct RelayHandler : RequestHandler {
  Task<> get() {
    AsyncHTTPClient client(loop());
    HTTPRequest request{.url = get_argument("url"), .streaming_callback = [this](std::string_view piece) -> Task<> {
                          write(piece);
                          co_await flush();
                        }};
    co_await client.fetch(std::move(request));
  }
};

// A one-hop proxy, as small as one can be (bench/proxy_hop.sh): fetches ?url= and answers its body as it came.
struct ProxyHandler : RequestHandler {
  Task<> get() {
    AsyncHTTPClient client(loop());
    HTTPResponse upstream = co_await client.fetch(get_argument("url"));
    if (auto type = upstream.headers.get("Content-Type")) set_header("Content-Type", std::string(*type));
    write(upstream.body);
  }
};

// ?n= redirects (302, relative Location) before "arrived"; ?status= picks the redirect's code.
struct RedirectHandler : RequestHandler {
  void get() { redirect_or_arrive(); }
  void post() { redirect_or_arrive(); }
  void redirect_or_arrive() {
    int n = get_argument<int>("n", 0);
    if (n == 0) return write(std::string("arrived by ") + std::string(method()) + " with body '" + body() + "'");
    set_status(get_argument<int>("status", 302));
    set_header("Location", "/redirect?n=" + std::to_string(n - 1) + "&status=" + get_argument("status", "302"));
  }
};

// ?size= bytes of 'b'.
struct BigHandler : RequestHandler {
  void get() { write(std::string(get_argument<std::size_t>("size", 1000), 'b')); }
};

// The request as the server saw it.
struct EchoHandler : RequestHandler {
  void get() { echo(); }
  void post() { echo(); }
  void put() { echo(); }
  void echo() {
    write(boost::json::value{{"method", method()},
                             {"body", body()},
                             {"host", header("Host").value_or("")},
                             {"x_test", header("X-Test").value_or("")},
                             {"accept_encoding", header("Accept-Encoding").value_or("")}});
  }
};

// Keeps the loop thread busy for ?us= microseconds, then answers "spun".
struct SpinHandler : RequestHandler {
  void get() {
    auto until = std::chrono::steady_clock::now() + std::chrono::microseconds(get_argument<long>("us"));
    while (std::chrono::steady_clock::now() < until) continue;
    write("spun");
  }
};

struct CountersHandler : RequestHandler {
  void get() {
    write(boost::json::value{{"connection_closed", connection_closed.load()},
                             {"task_frames_destroyed", task_frames_destroyed.load()},
                             {"awaitable_cancelled", awaitable_cancelled.load()},
                             {"resumed_after_hang_up", resumed_after_hang_up.load()},
                             {"chunks_streamed", chunks_streamed.load()}});
  }
};

}  // namespace

int main(int argc, char** argv) {
  CLI::App cli{"native handlers on Asio, a test app"};
  ServerFlags flags;
  flags.server.port = 0;
  add_server_flags(cli, flags);
  CLI11_PARSE(cli, argc, argv);
  try {
    apply_log_flags(flags);
    Application app;
    app.add<TimerHandler>("/timer");
    app.add<ResolveHandler>("/resolve");
    app.add<UpstreamHandler>("/upstream");
    app.add<SlowUpstreamHandler>("/slow-upstream");
    app.add<ValuesHandler>("/values");
    app.add<CountersHandler>("/counters");
    app.add<FetchHandler>("/fetch");
    app.add<RelayHandler>("/relay");
    app.add<ProxyHandler>("/proxy");
    app.add<RedirectHandler>("/redirect");
    app.add<BigHandler>("/big");
    app.add<EchoHandler>("/echo");
    app.add<SpinHandler>("/spin");
    app.add<MetricsHandler>("/metrics");
    HTTPServer server(flags.server, app);
    return serve(server, "asio_test_app", [&] { server.bind(); }, flags.processes);
  } catch (const std::exception& e) {
    std::fprintf(stderr, "asio_test_app: %s\n", e.what());
    return 1;
  }
}
