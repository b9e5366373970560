// Unit tests for the Exchange: the body channel's flow control (once a push says "pause", the worker's drain says
// "resume") and the response spool (a worker is never held by a client that does not read, within the spool's limits).
#include <catch2/catch.hpp>

#include <unistd.h>

#include <chrono>
#include <future>
#include <memory>
#include <string>
#include <thread>
#include <vector>

#include "core/net/loop.hpp"
#include "wsgi/exchange.hpp"

using updraft::Exchange;
using updraft::ExchangeOutput;
using updraft::ExchangeSink;
using updraft::Loop;
using updraft::WsgiRequestInfo;

namespace {

// Counts the loop-side resume signals (on_body_room) that reach the connection.
struct RoomCounter : ExchangeSink {
  int rooms = 0;
  void on_response(const ExchangeOutput&) override {}
  void on_body_room() override { ++rooms; }
};

// An exchange whose loop-side signals are counted; run_posted() delivers them.
struct CountedExchange {
  CountedExchange() { exchange->attach(&sink); }
  ~CountedExchange() { exchange->detach(); }
  // Runs what was posted to the loop so far.
  void run_posted() {
    loop.post([this] { loop.stop(); });
    loop.run();
  }

  Loop loop;
  std::shared_ptr<Exchange> exchange = std::make_shared<Exchange>(loop, WsgiRequestInfo{});
  RoomCounter sink;
};

// Pushes 1000-byte chunks, as a chunked body arrives, until the channel asks to pause; returns the bytes pushed.
std::size_t push_until_paused(Exchange& exchange) {
  const std::string chunk(1000, 'x');
  std::size_t pushed = 0;
  bool fits = true;
  while (fits) {
    fits = exchange.push_body(chunk);
    pushed += chunk.size();
  }
  return pushed;
}

// What the worker does: reads until the channel holds no more than `keep` bytes; returns the bytes still held.
std::size_t drain(Exchange& exchange, std::size_t held, std::size_t keep, std::size_t piece = 64 * 1024) {
  std::vector<char> buffer(piece);
  while (held > keep) held -= exchange.read_body(buffer.data(), std::min(piece, held - keep));
  return held;
}

}  // namespace

TEST_CASE_METHOD(CountedExchange, "a paused body channel is resumed once when the worker drains it") {
  std::size_t held = push_until_paused(*exchange);
  CHECK(held > Exchange::kBodyHighMark);
  drain(*exchange, held, 0);
  run_posted();
  CHECK(sink.rooms == 1);
}

TEST_CASE_METHOD(CountedExchange, "a push that fits after the worker's partial read keeps the channel paused") {
  // Several chunks of one read buffer are pushed after the one that paused reading; if one of them could lift the
  // pause before the worker drained the channel, nobody would resume reading and the upload would hang.
  std::size_t held = push_until_paused(*exchange);
  held = drain(*exchange, held, held - 64 * 1024);  // one read by the worker: still above half the mark
  REQUIRE(held > Exchange::kBodyHighMark / 2);
  REQUIRE(held + 1000 <= Exchange::kBodyHighMark);
  CHECK_FALSE(exchange->push_body(std::string(1000, 'y')));
  held += 1000;

  drain(*exchange, held, 0);
  run_posted();
  CHECK(sink.rooms == 1);
}

namespace {
// Records what reaches the loop: the bytes in order (spool ranges read back from their files) and whether it ended.
struct OutputRecorder : ExchangeSink {
  std::string bytes;
  int batches = 0;
  bool ended = false;
  void on_response(const ExchangeOutput& out) override {
    ++batches;
    bytes.append(out.data);
    if (out.file_fd >= 0) {
      std::string range(out.file_length, '\0');
      CHECK(::pread(out.file_fd, range.data(), range.size(), static_cast<off_t>(out.file_offset)) ==
            static_cast<ssize_t>(range.size()));
      ::close(out.file_fd);
      bytes += range;
    }
    ended = ended || out.last;
  }
  void on_body_room() override {}
};

// An exchange whose loop side is recorded, with a spool of small limits.
struct SpooledExchange {
  explicit SpooledExchange(std::string dir = "/tmp") {
    limits.memory = 16;
    limits.max = 64;
    limits.dir = std::move(dir);
    exchange->attach(&sink);
  }
  ~SpooledExchange() { exchange->detach(); }
  void run_posted() {
    loop.post([this] { loop.stop(); });
    loop.run();
  }
  // The loop side until the response ended (or 5 s passed): what was posted runs, and the writer takes each batch.
  void take_until_ended() {
    auto deadline = std::chrono::steady_clock::now() + std::chrono::seconds(5);
    while (!sink.ended && std::chrono::steady_clock::now() < deadline) {
      run_posted();
      exchange->output_taken();
      std::this_thread::sleep_for(std::chrono::milliseconds(1));
    }
  }
  Loop loop;
  updraft::SpoolLimits limits;
  std::shared_ptr<Exchange> exchange = std::make_shared<Exchange>(loop, WsgiRequestInfo{}, &limits);
  OutputRecorder sink;
};

std::string piece(int i) { return "<" + std::to_string(i) + ">"; }
}  // namespace

TEST_CASE_METHOD(SpooledExchange, "output past the channel goes to the spool file, in order, and the worker goes on",
                 "[exchange]") {
  std::string sent;
  for (int i = 0; i < 12; ++i) {  // about 50 bytes: past the channel's 16, within the spool's 64
    CHECK(exchange->send_data(piece(i)));  // never waits: nobody has taken anything yet
    sent += piece(i);
  }
  exchange->finish(false);
  take_until_ended();
  CHECK(sink.ended);
  CHECK(sink.bytes == sent);
}

TEST_CASE_METHOD(SpooledExchange, "past the spool's maximum the worker waits for the client", "[exchange]") {
  auto worker = std::async(std::launch::async, [this] {
    for (int i = 0; i < 40; ++i) exchange->send_data(std::string(10, static_cast<char>('a' + i % 26)));
    exchange->finish(false);
  });
  CHECK(worker.wait_for(std::chrono::milliseconds(200)) == std::future_status::timeout);  // 400 bytes > 16 + 64
  take_until_ended();
  CHECK(worker.wait_for(std::chrono::seconds(5)) == std::future_status::ready);
  CHECK(sink.ended);
  CHECK(sink.bytes.size() == 400);
}

TEST_CASE("without a usable spool directory the worker waits for the client, and nothing is lost", "[exchange]") {
  SpooledExchange t("/nonexistent/spool");
  auto worker = std::async(std::launch::async, [&t] {
    for (int i = 0; i < 10; ++i) t.exchange->send_data(piece(i));
    t.exchange->finish(false);
  });
  CHECK(worker.wait_for(std::chrono::milliseconds(200)) == std::future_status::timeout);
  t.take_until_ended();
  CHECK(worker.wait_for(std::chrono::seconds(5)) == std::future_status::ready);
  std::string sent;
  for (int i = 0; i < 10; ++i) sent += piece(i);
  CHECK(t.sink.bytes == sent);
}

TEST_CASE("a cancelled exchange never touches its loop again, which may be gone", "[exchange]") {
  // A worker abandoned past its deadline can still be running when the server's loops are destroyed at shutdown.
  auto loop = std::make_unique<Loop>();
  auto exchange = std::make_shared<Exchange>(*loop, WsgiRequestInfo{});
  RoomCounter sink;
  exchange->attach(&sink);
  CHECK_FALSE(exchange->push_body(std::string(Exchange::kBodyHighMark + 1, 'x')));  // paused
  exchange->detach();
  loop.reset();
  std::vector<char> buffer(Exchange::kBodyHighMark);
  CHECK(exchange->read_body(buffer.data(), buffer.size()) > 0);  // a drain below the mark would post "resume"
  exchange->send_head(updraft::ResponseHead{});
  CHECK_FALSE(exchange->send_data("late"));
  exchange->finish(false);  // under ASan, any of these posting to the freed loop is a heap-use-after-free
  CHECK(sink.rooms == 0);
}
