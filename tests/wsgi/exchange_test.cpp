// Unit tests for the Exchange body channel's flow control: once a push says "pause", the worker's drain says "resume".
#include <catch2/catch.hpp>

#include <memory>
#include <string>
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
