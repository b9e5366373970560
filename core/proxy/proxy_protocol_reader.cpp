// ProxyProtocolReader: parse_proxy_header() on what the stream holds, then the hand-over or the close.
#include "core/proxy/proxy_protocol_reader.hpp"

#include <spdlog/spdlog.h>

#include <atomic>
#include <mutex>

#include "core/net/metrics.hpp"
#include "core/proxy/proxy_header.hpp"

namespace updraft {

namespace {
std::atomic<std::uint64_t>& errors() {
  static std::atomic<std::uint64_t> count{0};
  static std::once_flag registered;
  std::call_once(registered, [] {
    Metrics::instance().add_sampler(
        "updraft_proxy_protocol_errors_total",
        "Connections closed for a missing, malformed or late PROXY protocol header.", "counter",
        [] { return static_cast<double>(count.load(std::memory_order_relaxed)); });
  });
  return count;
}
}  // namespace

void ProxyProtocolReader::start(Stream& stream, std::chrono::duration<double> timeout) {
  errors();  // the counter shows in /metrics from the start, at 0
  stream.set_read_timeout(timeout, false);
  stream.start_reading();
}

void ProxyProtocolReader::on_data(Stream& stream) {
  using Outcome = proxy::ProxyHeaderResult::Outcome;
  proxy::ProxyHeaderResult r = proxy::parse_proxy_header(stream.buffered());
  if (r.outcome == Outcome::error) return fail(stream, r.reason);
  if (r.outcome == Outcome::need_more) {
    if (!stream.at_end()) return;
    if (stream.buffered().empty()) return stream.close();  // connected and left without a word: no error
    return fail(stream, "PROXY protocol header cut short");
  }
  using Client = proxy::ProxyHeader::Client;
  if (r.header.client == Client::inet) stream.set_peer(std::move(r.header.address), r.header.port);
  if (r.header.client == Client::unix_socket) stream.set_peer({}, 0);
  stream.consume(r.length);
  stream.stop_reading();
  Next next = std::move(next_);  // replacing the handler retires this reader (after this call returns)
  next(stream);
}

void ProxyProtocolReader::on_timeout(Stream& stream) { fail(stream, "no PROXY protocol header in time"); }

void ProxyProtocolReader::fail(Stream& stream, const char* reason) {
  errors().fetch_add(1, std::memory_order_relaxed);
  spdlog::debug("{}: connection closed: {}", stream.peer_address(), reason);
  stream.close();
}

}  // namespace updraft
