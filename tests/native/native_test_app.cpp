// native_test_app: routes exercising the native framework, driven by tests/e2e/test_native_*.py.
#include <unistd.h>

#include <CLI/CLI.hpp>
#include <atomic>
#include <boost/json.hpp>
#include <charconv>
#include <chrono>
#include <cstdint>
#include <cstdio>
#include <fstream>
#include <iterator>
#include <map>
#include <mutex>
#include <set>
#include <stdexcept>
#include <string>
#include <thread>
#include <vector>

#include "cli/serve.hpp"
#include "cli/server_flags.hpp"
#include "cli/websocket_flags.hpp"
#include "native/application.hpp"
#include "native/content_encoding.hpp"
#include "native/escape.hpp"
#include "native/ops_handlers.hpp"
#include "native/websocket_handler.hpp"

using namespace updraft;
using std::chrono::milliseconds;

namespace {

// Side effects the tests observe through GET /counters (handlers may run on several loops): main() keeps them, and
// the routes of the handlers that count hand them over (initialize()).
struct Counters {
  std::atomic<long> finished{0};
  std::atomic<long> forbidden_method_runs{0};
  std::atomic<long> connection_closed{0};
  std::atomic<long> disconnect_resumed{0};
};

struct CountingHandler : RequestHandler {
  void initialize(Counters* counters) { counters_ = counters; }
  Counters* counters_ = nullptr;
};

// A non-negative integer query argument; 400 when it is malformed.
long int_argument(RequestHandler& h, std::string_view name, long fallback) {
  std::string text = h.get_argument(name, std::to_string(fallback));
  long n = 0;
  auto r = std::from_chars(text.data(), text.data() + text.size(), n);
  if (r.ec != std::errc() || r.ptr != text.data() + text.size() || n < 0)
    throw HTTPError(400, "bad " + std::string(name));
  return n;
}

// --- terse handlers and routing ----------------------------------------------------------------

struct Hello : RequestHandler {
  void get() { write("Hello, World!"); }
};

struct PlainHandler : RequestHandler {
  void get() {
    set_header("Content-Type", "text/plain");
    write("plain");
  }
};

struct UserHandler : RequestHandler {
  void get() { write("user " + path_args().at(0)); }
};

struct MeHandler : RequestHandler {
  void get() { write("me (exact route)"); }
};

// Joins every captured argument with '|'.
struct ArgsEchoHandler : RequestHandler {
  void get() {
    std::string out;
    for (const auto& a : path_args()) out.append(out.empty() ? "" : "|").append(a);
    write(out);
  }
};

struct ReverseHandler : RequestHandler {
  void get() {
    const Application& app = application();
    write(app.reverse_url("user", {"42"}) + "\n" + app.reverse_url("user", {"a b/c"}) + "\n" +
          app.reverse_url("file", {"notes"}) + "\n" + app.reverse_url("pair", {"x", "7"}));
  }
};

// Every method but get/head, each answering with its name and the body it received.
struct MethodsHandler : RequestHandler {
  void answer(std::string_view name) {
    set_header("Content-Type", "text/plain");
    write(std::string(name) + " " + body());
  }
  void post() { answer("post"); }
  void put() { answer("put"); }
  void patch() { answer("patch"); }
  void delete_() { answer("delete"); }
  void options() {
    set_header("Allow", "POST, PUT, PATCH, DELETE, OPTIONS");
    set_status(204);
  }
};

struct GetOnlyHandler : RequestHandler {
  void get() {
    set_header("Content-Type", "text/plain");
    set_header("X-Get-Ran", "yes");
    write("body of get");
  }
};

// --- hooks ------------------------------------------------------------------------------------

// prepare() refuses unless ?allow=1; the method counts its runs.
struct GuardedHandler : CountingHandler {
  void prepare() override {
    if (get_argument("allow", "0") != "1") throw HTTPError(403);
  }
  void get() {
    ++counters_->forbidden_method_runs;
    write("allowed");
  }
};

// prepare() answers by itself; the method must not run.
struct PrepareFinishesHandler : CountingHandler {
  void prepare() override { finish("answered by prepare"); }
  void get() {
    ++counters_->forbidden_method_runs;
    write("method ran");
  }
};

struct OnFinishHandler : CountingHandler {
  void get() {
    if (get_argument("fail", "0") == "1") throw HTTPError(500);
    write("counted");
  }
  void on_finish() override { ++counters_->finished; }
};

struct CountersHandler : CountingHandler {
  void get() {
    write(boost::json::value{{"finished", counters_->finished.load()},
                             {"forbidden_method_runs", counters_->forbidden_method_runs.load()},
                             {"connection_closed", counters_->connection_closed.load()},
                             {"disconnect_resumed", counters_->disconnect_resumed.load()}});
  }
};

// --- arguments --------------------------------------------------------------------------------

struct GreetHandler : RequestHandler {
  void get() { write(get_argument("greeting", "hello") + ", " + get_argument("name")); }
};

struct TagsHandler : RequestHandler {
  void get() {
    auto tags = get_arguments("tag");
    std::string out = std::to_string(tags.size());
    for (const auto& t : tags) out.append(":").append(t);
    write(out);
  }
};

struct FormHandler : RequestHandler {
  void post() {
    boost::json::array bs;
    for (const auto& b : get_arguments("b")) bs.emplace_back(b);
    write(boost::json::value{{"a", get_argument("a")}, {"b", bs}, {"q", get_argument("q", "")}});
  }
};

// Typed arguments: {"n": long (required), "ratio": double (1.5), "flag": bool (false), "count": unsigned (0)}.
struct TypedArgumentsHandler : RequestHandler {
  void get() {
    write(boost::json::value{{"n", get_argument<long>("n")},
                             {"ratio", get_argument<double>("ratio", 1.5)},
                             {"flag", get_argument<bool>("flag", false)},
                             {"count", get_argument<unsigned>("count", 0)}});
  }
  void post() { get(); }
};

// ?name= : the values of that argument by source, and the last of each (null when absent).
struct ArgumentSourcesHandler : RequestHandler {
  void post() {
    const std::string name = get_argument("name");
    auto json_list = [](const std::vector<std::string>& v) { return boost::json::array(v.begin(), v.end()); };
    auto json_optional = [](const std::optional<std::string>& v) { return v ? boost::json::value(*v) : nullptr; };
    write(boost::json::value{{"query", json_list(get_query_arguments(name))},
                             {"body", json_list(get_body_arguments(name))},
                             {"query_last", json_optional(get_query_argument(name))},
                             {"body_last", json_optional(get_body_argument(name))},
                             {"all", json_list(get_arguments(name))}});
  }
};

// The JSON body echoed back as {"received": BODY}.
struct JsonBodyHandler : RequestHandler {
  void post() { write(boost::json::value{{"received", json_body()}}); }
};

// POST multipart/form-data: {"fields": {NAME: [values]} for each ?field=NAME, "files": {NAME: [{"filename",
// "content_type", "size", "spooled", "path", "hex"}]}}, hex being the contents read from memory or from the spool file.
struct UploadHandler : RequestHandler {
  void post() {
    boost::json::object fields, files;
    for (const auto& name : get_query_arguments("field")) {
      auto values = get_body_arguments(name);
      fields[name] = boost::json::array(values.begin(), values.end());
    }
    for (const auto& [name, uploads] : this->files()) {
      boost::json::array list;
      for (const auto& file : uploads) {
        std::string contents = file.body;
        if (!file.path.empty()) {
          std::ifstream in(file.path, std::ios::binary);
          contents.assign(std::istreambuf_iterator<char>(in), {});
        }
        list.push_back({{"filename", file.filename}, {"content_type", file.content_type}, {"size", file.size},
                        {"spooled", !file.path.empty()}, {"path", file.path}, {"hex", hex_encode(contents)}});
      }
      files[name] = std::move(list);
    }
    write(boost::json::value{{"fields", std::move(fields)}, {"files", std::move(files)}});
  }
};

// --- the response -----------------------------------------------------------------------------

struct StatusHandler : RequestHandler {
  void get() {
    set_status(static_cast<int>(int_argument(*this, "code", 200)));
    write("status body");
  }
};

// Tornado's request.remote_ip and request.protocol (what a trusted proxy may have said), with the port and Host.
struct ClientHandler : RequestHandler {
  void get() {
    write(boost::json::value{{"remote_ip", request().remote_ip},
                             {"remote_port", request().remote_port},
                             {"protocol", request().protocol},
                             {"host", header("Host").value_or("")}});
  }
};

struct HeadersHandler : RequestHandler {
  void get() {
    set_header("Content-Type", "text/plain");
    set_header("X-Single", "first");
    set_header("X-Single", "second");
    add_header("X-Multi", "one");
    add_header("X-Multi", "two");
    set_header("X-Gone", "soon");
    clear_header("X-Gone");
    write("headers");
  }
};

struct BytesHandler : RequestHandler {
  void get() {
    set_header("Content-Type", "application/octet-stream");
    write(std::string_view("\x00\x01zero\x00\xff\xfe", 9));
  }
};

struct JsonHandler : RequestHandler {
  void get() { write(boost::json::value{{"name", "updraft"}, {"list", {1, 2, 3}}, {"ok", true}}); }
};

// finish() with a last chunk; code after it that writes again must not corrupt the response.
struct FinishHandler : RequestHandler {
  void get() {
    write("first,");
    finish("last");
    if (get_argument("write_after", "0") == "1") write("too late");
  }
};

struct RedirectHandler : RequestHandler {
  void get() { redirect("/plain", get_argument("permanent", "0") == "1"); }
};

// --- errors -----------------------------------------------------------------------------------

struct HttpErrorHandler : RequestHandler {
  void get() {
    write("never sent");
    throw HTTPError(static_cast<int>(int_argument(*this, "code", 409)), "raised by the handler");
  }
};

struct ReasonHandler : RequestHandler {
  void get() { throw HTTPError(404, "no such widget", "Widget Missing"); }
};

// The client's own ?reason= as an error page's reason: the page must escape it.
struct EchoReasonHandler : RequestHandler {
  void get() { throw HTTPError(400, "echoed reason", get_argument("reason")); }
};

// An error page sent without an exception (send_error() called directly).
struct SendErrorHandler : RequestHandler {
  void get() { send_error(409); }
};

struct ExceptionHandler : RequestHandler {
  void get() {
    write("never sent");
    throw std::runtime_error("boom");
  }
};

// Error pages as JSON, for every error of this route (including 405).
struct CustomErrorHandler : RequestHandler {
  void get() { throw HTTPError(422, "invalid", get_argument("reason", "")); }
  void write_error(int status) override {
    set_header("X-Custom-Error", "1");
    write(boost::json::value{{"error", status}, {"reason", error_reason()}});
  }
};

// --- coroutines -------------------------------------------------------------------------------

struct SleepHandler : RequestHandler {
  Task<> get() {
    long ms = int_argument(*this, "ms", 0);
    co_await sleep(milliseconds(ms));
    set_header("Content-Type", "text/plain");
    write("slept " + std::to_string(ms));
  }
};

struct CoroutineErrorHandler : RequestHandler {
  Task<> get() {
    write("never sent");
    co_await sleep(milliseconds(10));
    if (get_argument("kind", "http") == "std") throw std::runtime_error("boom after a co_await");
    throw HTTPError(503, "after a co_await");
  }
};

// Streams ?n= chunks ("chunk i\n", or ?size= bytes of 'a' + i % 26), flushing and waiting for the client after each.
struct StreamingHandler : RequestHandler {
  Task<> get() {
    long n = int_argument(*this, "n", 3);
    long size = int_argument(*this, "size", 0);
    long pause_ms = int_argument(*this, "pause_ms", 5);
    bool fail = get_argument("fail", "0") == "1";
    set_header("Content-Type", "text/plain");
    for (long i = 0; i < n; ++i) {
      if (size > 0) write(std::string(static_cast<std::size_t>(size), static_cast<char>('a' + i % 26)));
      else write("chunk " + std::to_string(i) + "\n");
      co_await flush();
      co_await sleep(milliseconds(pause_ms));
    }
    if (fail) throw HTTPError(500, "failed mid-stream");
  }
};

// A large body flushed without awaiting (as a sync handler would), then finished.
struct BigFlushHandler : RequestHandler {
  void get() {
    set_header("Content-Type", "text/plain");
    write(std::string(static_cast<std::size_t>(int_argument(*this, "size", 1 << 20)), 'x'));
    (void)flush();
    write("end");
  }
};

struct NestedHandler : RequestHandler {
  Task<> add_later(int a, int b, int& out) {
    co_await sleep(milliseconds(10));
    out = a + b;
  }
  Task<> immediate(std::string& out) {
    out = "immediate";
    co_return;
  }
  Task<> failing() {
    co_await sleep(milliseconds(5));
    throw HTTPError(409, "inner task failed");
  }
  Task<> get() {
    int sum = 0;
    co_await add_later(2, 3, sum);
    std::string text;
    co_await immediate(text);
    if (get_argument("fail", "0") == "1") co_await failing();
    write(text + " " + std::to_string(sum));
  }
};

// Sleeps ?ms=; the test disconnects meanwhile.
struct DisconnectHandler : CountingHandler {
  Task<> get() {
    co_await sleep(milliseconds(int_argument(*this, "ms", 300)));
    ++counters_->disconnect_resumed;
    write("too late");
  }
  void on_connection_close() override { ++counters_->connection_closed; }
};

// --- a busy loop ---------------------------------------------------------------------------------

// Keeps the loop thread busy for ?us= microseconds, as a CPU-heavy handler would.
struct SpinHandler : RequestHandler {
  void get() {
    auto until = std::chrono::steady_clock::now() + std::chrono::microseconds(int_argument(*this, "us", 1000));
    while (std::chrono::steady_clock::now() < until) {
    }
    write("spun");
  }
};

// --- limits -----------------------------------------------------------------------------------

struct BodySizeHandler : RequestHandler {
  void post() { write("got " + std::to_string(body().size())); }
};

// --- WebSockets ---------------------------------------------------------------------------------

// How each WebSocket of /ws/commands ended, read through GET /ws/log.
std::mutex websocket_log_mutex;
std::vector<std::string> websocket_log;

void log_websocket(std::string line) {
  std::lock_guard lock(websocket_log_mutex);
  websocket_log.push_back(std::move(line));
}

// Says "opened", then obeys its messages: "close CODE REASON", "close-then-write", "json", "subprotocol"; echoes
// anything else. Offered subprotocols: picks "chat".
struct WebSocketCommandsHandler : WebSocketHandler {
  Task<> open() override {
    write_message("opened");
    return {};
  }
  std::optional<std::string> select_subprotocol(const std::vector<std::string>& offered) override {
    for (const auto& p : offered)
      if (p == "chat") return p;
    return std::nullopt;
  }
  void on_message(std::string_view message, bool binary) override {
    if (message.starts_with("close ")) {
      std::string_view rest = message.substr(6);
      auto space = rest.find(' ');
      std::uint16_t code = 0;
      std::from_chars(rest.data(), rest.data() + rest.size(), code);
      return close(code, space == std::string_view::npos ? std::string_view() : rest.substr(space + 1));
    }
    if (message == "close-then-write") {
      close(4000);
      try {
        write_message("too late");
      } catch (const WebSocketClosedError&) {
        log_websocket("write after close: WebSocketClosedError");
      }
      return;
    }
    if (message == "json") return static_cast<void>(write_message(boost::json::value{{"ok", true}}));
    if (message == "subprotocol") return static_cast<void>(write_message(selected_subprotocol()));
    write_message(message, binary);
  }
  void on_close() override {
    log_websocket(close_code() ? "closed " + std::to_string(*close_code()) + " " + close_reason() : "closed abruptly");
  }
};

struct WebSocketLogHandler : RequestHandler {
  void get() {
    std::lock_guard lock(websocket_log_mutex);
    boost::json::array lines;
    for (const auto& line : websocket_log) lines.emplace_back(line);
    write(boost::json::value(std::move(lines)));
  }
};

// A subscriber of the topic in its path. open() is a coroutine: with ?open_ms=N it sleeps N ms before subscribing
// (messages sent meanwhile wait), then says "subscribed TOPIC". Messages: "publish TEXT" publishes TEXT to the topic,
// "unsubscribe" leaves it (answering "unsubscribed"), "where" answers the loop thread's id; anything else is echoed.
struct TopicHandler : WebSocketHandler {
  Task<> open() override {
    const long ms = get_argument<long>("open_ms", 0);
    if (ms > 0) co_await sleep(milliseconds(ms));
    subscribe(path_args()[0]);
    write_message("subscribed " + path_args()[0]);
  }
  void on_message(std::string_view message, bool binary) override {
    if (message.starts_with("publish ")) return application().publish(path_args()[0], message.substr(8));
    if (message == "unsubscribe") {
      unsubscribe(path_args()[0]);
      return static_cast<void>(write_message("unsubscribed"));
    }
    if (message == "where") return static_cast<void>(write_message(std::to_string(gettid())));
    write_message(message, binary);
  }
};

// POST /publish/TOPIC?count=N[&from=thread][&binary=1]: publishes the body N times to the topic, from this loop or
// from a thread of its own.
struct PublishHandler : RequestHandler {
  void post() {
    const std::string topic = path_args()[0];
    const long count = get_argument<long>("count", 1);
    const bool binary = get_argument("binary", "0") == "1";
    auto publish = [&] {
      for (long i = 0; i < count; ++i) application().publish(topic, body(), binary);
    };
    if (get_argument("from", "loop") == "thread") std::thread(publish).join();
    else publish();
    write("published " + std::to_string(count));
  }
};

// --- cookies, signed cookies, XSRF (run with --cookie-secret or --versioned-cookie-secret, and --xsrf-cookies) -------

// The request's cookies as a JSON object, in order.
struct CookiesEchoHandler : RequestHandler {
  void get() {
    boost::json::object out;
    for (const auto& [name, value] : cookies()) out[name] = value;
    write(boost::json::value(std::move(out)));
  }
};

// ?name=: {"value": the cookie, or null}.
struct GetCookieHandler : RequestHandler {
  void get() {
    auto value = get_cookie(get_argument("name"));
    write(boost::json::value{{"value", value ? boost::json::value(*value) : boost::json::value(nullptr)}});
  }
};

// ?name=&value= and the options by their Tornado names; ?then=2 sets the cookie again with value 2, ?fail=1 answers
// 400 after setting it.
struct SetCookieHandler : RequestHandler {
  void get() {
    CookieOptions options{.path = get_argument("path", "/"),
                          .domain = get_argument("domain", ""),
                          .secure = get_argument("secure", "0") == "1",
                          .httponly = get_argument("httponly", "0") == "1",
                          .samesite = get_argument("samesite", "")};
    if (get_query_argument("expires_days")) options.expires_days = get_argument<double>("expires_days");
    if (get_query_argument("max_age")) options.max_age = get_argument<long long>("max_age");
    const std::string name = get_argument("name");
    set_cookie(name, get_argument("value"), options);
    if (auto again = get_argument("then", ""); !again.empty()) set_cookie(name, again, options);
    if (get_argument("fail", "0") == "1") throw HTTPError(400, "failed after setting a cookie");
    write("set");
  }
};

struct ClearCookieHandler : RequestHandler {
  void get() {
    clear_cookie(get_argument("name"), get_argument("path", "/"), get_argument("domain", ""));
    write("cleared");
  }
};

// ?name=&value=[&expires_days=]: a signed cookie (a session cookie with expires_days=session).
struct SetSignedCookieHandler : RequestHandler {
  void get() {
    const bool session = get_argument("expires_days", "") == "session";
    set_signed_cookie(get_argument("name"), get_argument("value"),
                      session ? std::nullopt : std::optional<double>(get_argument<double>("expires_days", 30)));
    write("signed");
  }
};

// ?name=[&max_age_days=]: the signed cookie's value as the body (any bytes), X-Signed-Cookie saying whether it was valid.
struct GetSignedCookieHandler : RequestHandler {
  void get() {
    auto value = get_signed_cookie(get_argument("name"), get_argument<double>("max_age_days", 31));
    set_header("Content-Type", "application/octet-stream");
    set_header("X-Signed-Cookie", value ? "valid" : "invalid");
    write(value.value_or(""));
  }
};

// GET: a form with the XSRF field (and the token twice, to show it stays the same within a request); the other
// methods answer with the method and the body's `field` once the XSRF check let them through.
struct XsrfFormHandler : RequestHandler {
  void get() {
    write("<form method=\"post\">" + xsrf_form_html() + "<input name=\"field\"></form>\n" + xsrf_token() + "\n" +
          xsrf_token());
  }
  void answer(std::string_view name) { write(std::string(name) + " " + get_argument("field", "")); }
  void post() { answer("post"); }
  void put() { answer("put"); }
  void delete_() { answer("delete"); }
  void options() { answer("options"); }
};

// A WebSocket whose prepare() sets a cookie, which the 101 must carry.
struct CookieWebSocketHandler : WebSocketHandler {
  void prepare() override { set_cookie("ws", "opened"); }
};

// Opts out of the XSRF check, as an API authenticated otherwise would.
struct XsrfExemptHandler : RequestHandler {
  void check_xsrf_cookie() override {}
  void post() { write("exempt"); }
};

// --- static files --------------------------------------------------------------------------------

// Tornado's static_url for ?path=, as a template would call it.
struct StaticUrlHandler : RequestHandler {
  void get() { write(static_url(get_argument("path"))); }
};

// --- compress_response (run with --compress-response) ------------------------------------------------

// ?size= bytes (up to 1 MiB) of an HTML-like page (?type= its Content-Type, ?code= its status), made once: the
// benchmark of compression per request (bench/static_vs_nginx.sh) measures the framework, not the page's making.
struct CompressPageHandler : RequestHandler {
  void get() {
    static const std::string rows = [] {
      std::string page;
      for (int i = 0; page.size() < (1u << 20); ++i) page += "<tr><td>" + std::to_string(i) + "</td><td>row</td></tr>\n";
      return page;
    }();
    set_status(static_cast<int>(int_argument(*this, "code", 200)));
    set_header("Content-Type", get_argument("type", "text/html; charset=UTF-8"));
    const auto size = static_cast<std::size_t>(int_argument(*this, "size", 4096));
    if (size > (1u << 20)) throw HTTPError(400, "size is at most 1 MiB");
    write(std::string_view(rows).substr(0, size));
  }
};

// A page the handler gzipped itself (Content-Encoding: gzip): compress_response must leave it as it is.
struct PreEncodedHandler : RequestHandler {
  void get() {
    set_header("Content-Encoding", "gzip");
    write(encode_content(ContentCoding::gzip, 6, std::string(5000, 'z')));
  }
};

// The ids GET /compress/release?id= has released.
struct ReleasedStreams {
  std::mutex mutex;
  std::set<std::string> ids;
};

// Writes and flushes ?n= pieces "piece I\n", then waits until /compress/release?id=ID before its last one, "end\n".
struct CompressStreamHandler : RequestHandler {
  void initialize(ReleasedStreams* released) { released_ = released; }
  Task<> get() {
    set_header("Content-Type", "text/plain");
    const std::string id = get_argument("id");
    for (long i = 0; i < int_argument(*this, "n", 2); ++i) {
      write("piece " + std::to_string(i) + "\n");
      co_await flush();
    }
    for (;;) {
      {
        std::lock_guard lock(released_->mutex);
        if (released_->ids.count(id)) break;
      }
      co_await sleep(milliseconds(10));
    }
    write("end\n");
  }
  ReleasedStreams* released_ = nullptr;
};

struct CompressReleaseHandler : RequestHandler {
  void initialize(ReleasedStreams* released) { released_ = released; }
  void get() {
    std::lock_guard lock(released_->mutex);
    released_->ids.insert(get_argument("id"));
    write("released");
  }
  ReleasedStreams* released_ = nullptr;
};

// --- templates -------------------------------------------------------------------------------------

// Renders the template ?name= with ?who= and ?tags= (repeated: a list) as its context.
struct TemplateHandler : RequestHandler {
  void get() {
    boost::json::object context{{"who", get_argument("who", "")}};
    boost::json::array tags;
    for (const auto& tag : get_arguments("tags")) tags.emplace_back(tag);
    context["tags"] = std::move(tags);
    render(get_argument("name"), context);
  }
  void post() { get(); }  // for the XSRF field's round trip
};

// render_string() into a JSON answer: the page is a value the handler can use, not yet the response.
struct TemplateStringHandler : RequestHandler {
  void get() { write(boost::json::value{{"page", render_string(get_argument("name"), {{"who", "<json>"}})}}); }
};

// --- state from the route, lambda routes, streamed bodies ------------------------------------------

// Its greeting and visit counter come from its route (Tornado's initialize(**kwargs)): "GREETING[ ARG] #N".
struct VisitsHandler : RequestHandler {
  void initialize(const std::string& greeting, std::atomic<long>* visits) {
    greeting_ = greeting;
    visits_ = visits;
  }
  void get() {
    std::string text = greeting_;
    for (const auto& a : path_args()) text.append(" ").append(a);
    write(text + " #" + std::to_string(++*visits_));
  }
  std::string greeting_;
  std::atomic<long>* visits_ = nullptr;
};

// Takes its body as it arrives: answers with the size of each chunk, the bytes in order (?echo=1), and body()'s size
// (empty); ?max=N sets the body limit in prepare().
struct StreamUploadHandler : RequestHandler {
  static constexpr bool stream_request_body = true;
  void prepare() override {
    if (get_query_argument("max")) set_max_body_size(get_argument<std::uint64_t>("max"));
  }
  void data_received(std::string_view chunk) {
    chunks_.emplace_back(static_cast<std::uint64_t>(chunk.size()));
    total_ += chunk.size();
    if (get_argument<bool>("echo", false)) echo_.append(chunk);
  }
  void post() {
    write(boost::json::value{{"chunks", chunks_}, {"total", total_}, {"echo", echo_}, {"body", body().size()}});
  }
  void put() { post(); }
  boost::json::array chunks_;
  std::uint64_t total_ = 0;
  std::string echo_;
};

// A coroutine data_received() that waits for GET/POST /stream/gate to open; reading pauses meanwhile.
struct UploadGate {
  std::atomic<bool> open{false};
  std::atomic<long> chunks{0};
  std::atomic<std::uint64_t> received{0};
};

struct GatedUploadHandler : RequestHandler {
  static constexpr bool stream_request_body = true;
  void initialize(UploadGate* gate) { gate_ = gate; }
  Task<> data_received(std::string_view chunk) {
    ++gate_->chunks;
    while (!gate_->open) co_await sleep(milliseconds(5));
    gate_->received += chunk.size();
  }
  void post() { write("received " + std::to_string(gate_->received.load())); }
  UploadGate* gate_ = nullptr;
};

// The state those routes hand their handlers, kept by main().
struct RouteState {
  std::atomic<long> hello_visits{0};
  std::atomic<long> bonjour_visits{0};
  UploadGate gate;
  ReleasedStreams released;
};

void add_state_and_streaming_routes(Application& app, RouteState& state) {
  app.add<VisitsHandler>("/state/hello", std::string("Hello"), &state.hello_visits);
  app.add<VisitsHandler>("/state/bonjour/([a-z]+)", {.name = "bonjour"}, std::string("Bonjour"),
                         &state.bonjour_visits);
  app.get("/fn", [](RequestHandler& h) { h.write("get " + h.get_argument("x", "-")); });
  app.post("/fn", [](RequestHandler& h) {
    h.set_status(201);
    h.write("post " + h.body());
  });
  app.get("/fn/later", [](RequestHandler& h) -> Task<> {
    co_await h.sleep(milliseconds(10));
    h.write("later");
  });
  app.add<StreamUploadHandler>("/stream/upload");
  UploadGate& gate = state.gate;
  app.add<GatedUploadHandler>("/stream/gated", &gate);
  app.get("/stream/gate", [&gate](RequestHandler& h) { h.write(std::to_string(gate.chunks.load())); });
  app.post("/stream/gate", [&gate](RequestHandler& h) {
    gate.open = true;
    h.write("open");
  });
}

}  // namespace

int main(int argc, char** argv) {
  CLI::App cli{"native framework test app"};
  ServerFlags flags;
  flags.server.port = 0;
  add_server_flags(cli, flags);
  WebSocketFlags websocket_flags;
  add_websocket_flags(cli, websocket_flags);
  std::string static_path;
  cli.add_option("--static-path", static_path, "serve this directory at /static/ (Tornado's static_path)");
  std::string cookie_secret;
  cli.add_option("--cookie-secret", cookie_secret, "the cookie_secret setting");
  std::map<int, std::string> versioned_secrets;
  cli.add_option("--versioned-cookie-secret", versioned_secrets, "KEY_VERSION SECRET: cookie_secret as a map");
  int key_version = 0;
  cli.add_option("--key-version", key_version, "the key_version setting, with --versioned-cookie-secret");
  bool xsrf_cookies = false;
  cli.add_flag("--xsrf-cookies", xsrf_cookies, "the xsrf_cookies setting");
  bool compress_response = false;
  cli.add_flag("--compress-response", compress_response, "the compress_response setting");
  CompressionOptions compression;
  cli.add_option("--gzip-level", compression.gzip_level, "compress_response's zlib level");
  std::string template_path;
  cli.add_option("--template-path", template_path, "the template_path setting");
  bool debug = false;
  cli.add_flag("--debug", debug, "the debug setting (exceptions on error pages)");
  CLI11_PARSE(cli, argc, argv);
  try {
    apply_log_flags(flags);
    Counters counters;  // both outlive the application that hands them to handlers
    RouteState route_state;
    Application app;
    app.set_websocket_options(websocket_flags.options);
    if (!cookie_secret.empty()) app.set_cookie_secret(cookie_secret);
    if (!versioned_secrets.empty()) app.set_cookie_secret(versioned_secrets, key_version);
    app.set_xsrf_cookies(xsrf_cookies);
    app.set_compress_response(compress_response, compression);
    app.set_debug(debug);
    if (!template_path.empty()) app.set_template_path(template_path);
    auto broker = make_broker(websocket_flags, app.topics());
    if (!static_path.empty()) {  // first, as Tornado puts its static routes before the application's
      app.set_static_path(static_path);
      app.add<StaticUrlHandler>("/static-url");
    }
    app.add<Hello>("/");
    app.add<PlainHandler>("/plain");
    app.add<UserHandler>("/user/([^/]+)", {.name = "user"});
    app.add<MeHandler>("/user/me");
    app.add<ArgsEchoHandler>("/pair/([a-z]+)/([0-9]+)", {.name = "pair"});
    app.add<ArgsEchoHandler>("/file/([a-z]+)\\.txt", {.name = "file"});
    app.add<ReverseHandler>("/reverse");
    app.add<MethodsHandler>("/methods");
    app.add<GetOnlyHandler>("/get-only");
    app.add<GuardedHandler>("/guarded", &counters);
    app.add<PrepareFinishesHandler>("/prepare-finishes", &counters);
    app.add<OnFinishHandler>("/on-finish", &counters);
    app.add<CountersHandler>("/counters", &counters);
    app.add<GreetHandler>("/greet");
    app.add<TagsHandler>("/tags");
    app.add<FormHandler>("/form");
    app.add<TypedArgumentsHandler>("/args/typed");
    app.add<ArgumentSourcesHandler>("/args/sources");
    app.add<JsonBodyHandler>("/args/json");
    app.add<UploadHandler>("/upload");
    app.add<StatusHandler>("/status");
    app.add<HeadersHandler>("/headers");
    app.add<ClientHandler>("/client");
    app.add<JsonHandler>("/json");
    app.add<BytesHandler>("/bytes");
    app.add<FinishHandler>("/finish");
    app.add<RedirectHandler>("/redirect");
    app.add<HttpErrorHandler>("/error/http");
    app.add<ReasonHandler>("/error/reason");
    app.add<ExceptionHandler>("/error/exception");
    app.add<EchoReasonHandler>("/error/echo-reason");
    app.add<SendErrorHandler>("/error/send");
    app.add<CustomErrorHandler>("/error/custom");
    app.add<CoroutineErrorHandler>("/error/coroutine");
    app.add<SleepHandler>("/sleep");
    app.add<StreamingHandler>("/stream");
    app.add<BigFlushHandler>("/big-flush");
    app.add<NestedHandler>("/nested");
    app.add<DisconnectHandler>("/disconnect", &counters);
    app.add<BodySizeHandler>("/limited", {.max_body_size = 16});
    app.add<BodySizeHandler>("/unlimited");
    app.add<SpinHandler>("/spin");
    app.add<MetricsHandler>("/metrics");
    app.add<WebSocketCommandsHandler>("/ws/commands");
    app.add<WebSocketLogHandler>("/ws/log");
    app.add<TopicHandler>("/ws/topic/([a-z0-9]+)");
    app.add<PublishHandler>("/publish/([a-z0-9]+)");
    app.add<CookiesEchoHandler>("/cookies");
    app.add<GetCookieHandler>("/cookies/get");
    app.add<SetCookieHandler>("/cookies/set");
    app.add<ClearCookieHandler>("/cookies/clear");
    app.add<SetSignedCookieHandler>("/cookies/signed/set");
    app.add<GetSignedCookieHandler>("/cookies/signed/get");
    app.add<XsrfFormHandler>("/xsrf/form");
    app.add<XsrfExemptHandler>("/xsrf/exempt");
    app.add<CookieWebSocketHandler>("/ws/cookie");
    app.add<CompressPageHandler>("/compress/page");
    app.add<PreEncodedHandler>("/compress/pre-encoded");
    app.add<CompressStreamHandler>("/compress/stream", &route_state.released);
    app.add<CompressReleaseHandler>("/compress/release", &route_state.released);
    app.add<TemplateHandler>("/template");
    app.add<TemplateStringHandler>("/template/string");
    add_state_and_streaming_routes(app, route_state);
    HTTPServer server(flags.server, app);
    return serve(server, "native_test_app", [&] { server.bind(); }, flags.processes);
  } catch (const std::exception& e) {
    std::fprintf(stderr, "native_test_app: %s\n", e.what());
    return 1;
  }
}
