// Unit tests for Stream: coroutine reads over split packets and their limits, bounded writes to a peer that does not
// read, a hang-up noticed while nobody reads, and hand-over with the unread bytes. A loop thread serves one end of a
// socketpair; the test drives the other end with plain blocking calls.
#include <catch2/catch.hpp>

#include <sys/socket.h>
#include <unistd.h>

#include <atomic>
#include <chrono>
#include <functional>
#include <future>
#include <string>
#include <thread>

#include "core/net/loop.hpp"
#include "core/net/loop_impl.hpp"
#include "core/net/net_context.hpp"
#include "core/net/socket_stream.hpp"
#include "core/net/task.hpp"

using namespace updraft;
using namespace std::chrono_literals;

namespace {

// A loop on its own thread with one stream on a socketpair; peer is the test's end.
struct Testbed {
  NetOptions options;
  Loop loop;
  NetContext net{loop, options};
  std::thread thread;
  int peer = -1;
  StreamRef stream;

  Testbed() {
    int fds[2];
    REQUIRE(::socketpair(AF_UNIX, SOCK_STREAM, 0, fds) == 0);
    peer = fds[1];
    SocketStream::Socket socket(loop.impl().io, boost::asio::generic::stream_protocol(AF_UNIX, 0), fds[0]);
    stream = StreamRef(SocketStream::create(net, std::move(socket)));
    thread = std::thread([this] { loop.run(); });
  }
  ~Testbed() {
    on_loop([this] {
      if (!stream->closed()) stream->close();
      stream.reset();
    });
    loop.post([this] { loop.stop(); });
    thread.join();
    loop.impl().io.restart();
    while (loop.impl().io.poll() > 0) {
    }  // what the close left to do, while the stream's context still exists
    if (peer >= 0) ::close(peer);
  }
  // Runs fn on the loop thread and waits for it.
  void on_loop(std::function<void()> fn) {
    std::promise<void> done;
    loop.post([&] {
      fn();
      done.set_value();
    });
    done.get_future().wait();
  }
  void send(std::string_view data) { REQUIRE(::send(peer, data.data(), data.size(), MSG_NOSIGNAL) == (ssize_t)data.size()); }
  std::string receive(std::size_t max = 1 << 16) {
    std::string buf(max, '\0');
    ssize_t n = ::recv(peer, buf.data(), buf.size(), 0);
    buf.resize(n > 0 ? static_cast<std::size_t>(n) : 0);
    return buf;
  }
};

// A protocol that reads with coroutines: the test's coroutine runs on the loop, its outcome lands in `result`.
struct CoroutineProtocol : StreamHandler {
  Task<> task;
  void on_data(Stream&) override {}
};

template <class F>
std::future<std::string> run_coroutine(Testbed& t, F body) {
  auto result = std::make_shared<std::promise<std::string>>();
  t.on_loop([&t, body, result] {
    auto protocol = std::make_unique<CoroutineProtocol>();
    CoroutineProtocol& p = *protocol;
    t.stream->set_handler(std::move(protocol));
    t.stream->start();
    p.task = [](Stream& s, F body, std::shared_ptr<std::promise<std::string>> result) -> Task<> {
      try {
        result->set_value(co_await body(s));
      } catch (const std::exception& e) {
        result->set_value(std::string("error: ") + e.what());
      }
    }(*t.stream, body, result);
  });
  return result->get_future();
}

template <class T>
T wait(std::future<T>& f) {
  REQUIRE(f.wait_for(5s) == std::future_status::ready);
  return f.get();
}

}  // namespace

TEST_CASE("read_until finds a delimiter split across packets", "[stream]") {
  Testbed t;
  auto got = run_coroutine(t, [](Stream& s) -> Task<std::string> {
    std::string line(co_await s.read_until("\r\n", 1024));
    std::string rest(co_await s.read_bytes(4));
    co_return line + "|" + rest;
  });
  t.send("hel");
  std::this_thread::sleep_for(20ms);
  t.send("lo\r");
  std::this_thread::sleep_for(20ms);
  t.send("\nrest");
  CHECK(wait(got) == "hello\r\n|rest");
}

TEST_CASE("read_until past max_bytes is an UnsatisfiableReadError", "[stream]") {
  Testbed t;
  auto got = run_coroutine(t, [](Stream& s) -> Task<std::string> { co_return std::string(co_await s.read_until("\n", 8)); });
  t.send("0123456789\n");
  CHECK(wait(got) == "error: no delimiter within 8 bytes");
}

TEST_CASE("read_until can need more than the pooled buffer holds", "[stream]") {
  Testbed t;
  auto got = run_coroutine(t, [](Stream& s) -> Task<std::string> {
    co_return std::to_string((co_await s.read_until("END", 100'000)).size());
  });
  std::string big(60'000, 'x');
  t.send(big);
  t.send("END");
  CHECK(wait(got) == "60003");
}

TEST_CASE("read_bytes waits for all n bytes, or with partial returns what is there", "[stream]") {
  Testbed t;
  auto got = run_coroutine(t, [](Stream& s) -> Task<std::string> {
    std::string some(co_await s.read_bytes(100, true));
    std::string whole(co_await s.read_bytes(6));
    co_return some + "|" + whole;
  });
  t.send("abc");
  std::this_thread::sleep_for(20ms);
  t.send("def");
  std::this_thread::sleep_for(20ms);
  t.send("ghi");
  CHECK(wait(got) == "abc|defghi");
}

TEST_CASE("read_bytes of more than the pooled buffer arrives in one piece", "[stream]") {
  Testbed t;
  auto got = run_coroutine(t, [](Stream& s) -> Task<std::string> {
    std::string_view block = co_await s.read_bytes(1 << 20);
    co_return std::to_string(block.size()) + (block == std::string(1 << 20, 'z') ? " same" : " differs");
  });
  std::thread writer([&] { t.send(std::string(1 << 20, 'z')); });
  CHECK(wait(got) == "1048576 same");
  writer.join();
}

TEST_CASE("read_until_close returns everything once the peer finishes sending", "[stream]") {
  Testbed t;
  auto got = run_coroutine(t, [](Stream& s) -> Task<std::string> { co_return std::string(co_await s.read_until_close(1024)); });
  t.send("first ");
  std::this_thread::sleep_for(20ms);
  t.send("second");
  ::shutdown(t.peer, SHUT_WR);
  CHECK(wait(got) == "first second");
}

TEST_CASE("a read on a stream whose peer left raises StreamClosedError", "[stream]") {
  Testbed t;
  auto got = run_coroutine(t, [](Stream& s) -> Task<std::string> { co_return std::string(co_await s.read_bytes(10)); });
  t.send("short");
  ::close(t.peer);
  t.peer = -1;
  CHECK(wait(got) == "error: stream closed");
}

TEST_CASE("writes to a peer that does not read stay bounded and complete once it reads", "[stream]") {
  Testbed t;
  constexpr std::size_t chunk = 32 * 1024, chunks = 256;  // 8 MiB in all
  std::atomic<std::size_t> most_queued{0};
  auto sent = run_coroutine(t, [&most_queued](Stream& s) -> Task<std::string> {
    std::string block(chunk, 'w');
    for (std::size_t i = 0; i < chunks; ++i) {
      co_await s.write(block);
      most_queued = std::max<std::size_t>(most_queued, s.write_buffer_size());
    }
    co_return "sent";
  });
  std::this_thread::sleep_for(200ms);
  CHECK(sent.wait_for(0s) == std::future_status::timeout);  // paused: the peer reads nothing
  CHECK(most_queued.load() <= Stream::kLowWatermark + chunk);
  std::size_t received = 0;
  while (received < chunk * chunks) received += t.receive().size();
  CHECK(wait(sent) == "sent");
  CHECK(received == chunk * chunks);
}

// A protocol that stops reading after its first bytes (as a handler that is busy) and records what happens.
struct BusyProtocol : StreamHandler {
  std::atomic<int>* closes;
  std::string seen;
  void on_data(Stream& s) override {
    seen.append(s.buffered());
    s.consume(s.buffered().size());
    s.stop_reading();
  }
  void on_close(Stream&) override { ++*closes; }
};

TEST_CASE("a peer hanging up is noticed while nobody reads", "[stream]") {
  Testbed t;
  std::atomic<int> closes{0};
  t.on_loop([&] {
    auto p = std::make_unique<BusyProtocol>();
    p->closes = &closes;
    t.stream->set_handler(std::move(p));
    t.stream->start_reading();
    t.stream->start();
  });
  t.send("request");
  std::this_thread::sleep_for(50ms);
  ::close(t.peer);
  t.peer = -1;
  for (int i = 0; i < 100 && closes == 0; ++i) std::this_thread::sleep_for(10ms);
  CHECK(closes == 1);
  t.on_loop([&] { CHECK(t.stream->closed()); });
}

// Reads one line with callbacks, then hands the stream to the next protocol.
struct LineThenHandOver : StreamHandler {
  std::function<std::unique_ptr<StreamHandler>()> next;
  void on_data(Stream& s) override {
    auto end = s.buffered().find('\n');
    if (end == std::string_view::npos) return;
    s.consume(end + 1);
    s.set_handler(next());  // this object is destroyed after the call
    s.start_reading();
  }
};

struct Collector : StreamHandler {
  std::promise<std::string>* got;
  std::promise<std::string>* then = nullptr;  // what arrives after the first 9 bytes
  void on_data(Stream& s) override {
    if (s.buffered().size() < 9) return;
    std::exchange(got, then)->set_value(std::string(s.buffered()));
    s.consume(s.buffered().size());
  }
};

TEST_CASE("hand-over gives the next protocol the bytes read but not consumed", "[stream]") {
  Testbed t;
  std::promise<std::string> got;
  t.on_loop([&] {
    auto first = std::make_unique<LineThenHandOver>();
    first->next = [&got] {
      auto c = std::make_unique<Collector>();
      c->got = &got;
      return c;
    };
    t.stream->set_handler(std::move(first));
    t.stream->start_reading();
    t.stream->start();
  });
  t.send("UPGRADE\nframe one");  // one packet: the second protocol's bytes arrive with the first's
  auto f = got.get_future();
  CHECK(wait(f) == "frame one");
}

TEST_CASE("after a hand-over the next protocol's later bytes arrive intact", "[stream]") {
  // The hand-over's start_reading() runs the next protocol on a fresh stack while a read into the buffer is pending:
  // consuming everything then must not move where that read lands.
  Testbed t;
  std::promise<std::string> first, second;
  t.on_loop([&] {
    auto handler = std::make_unique<LineThenHandOver>();
    handler->next = [&] {
      auto c = std::make_unique<Collector>();
      c->got = &first;
      c->then = &second;
      return c;
    };
    t.stream->set_handler(std::move(handler));
    t.stream->start_reading();
    t.stream->start();
  });
  t.send("UPGRADE\nframe one");
  auto f1 = first.get_future();
  CHECK(wait(f1) == "frame one");
  t.send("frame two");
  auto f2 = second.get_future();
  CHECK(wait(f2) == "frame two");
}

// Takes everything it is given and stops reading, as a protocol busy with a request does.
struct TakeThenPause : StreamHandler {
  std::promise<std::string>* got;
  void on_data(Stream& s) override {
    got->set_value(std::string(s.buffered()));
    s.consume(s.buffered().size());
    s.stop_reading();
  }
};

TEST_CASE("after a hand-over a protocol that takes everything and pauses keeps what is read meanwhile", "[stream]") {
  // As above, with the read pending while the protocol pauses: the buffer it fills must stay the stream's.
  Testbed t;
  std::promise<std::string> first, second;
  TakeThenPause* next = nullptr;
  t.on_loop([&] {
    auto handler = std::make_unique<LineThenHandOver>();
    handler->next = [&] {
      auto p = std::make_unique<TakeThenPause>();
      p->got = &first;
      next = p.get();
      return p;
    };
    t.stream->set_handler(std::move(handler));
    t.stream->start_reading();
    t.stream->start();
  });
  t.send("UPGRADE\nrequest one");
  auto f1 = first.get_future();
  CHECK(wait(f1) == "request one");
  t.send("request two");
  std::this_thread::sleep_for(50ms);  // read while the protocol pauses
  t.on_loop([&] {
    next->got = &second;
    t.stream->start_reading();
  });
  auto f2 = second.get_future();
  CHECK(wait(f2) == "request two");
}
