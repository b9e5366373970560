// ProxyProtocolReader: the first protocol on a stream from a proxy that speaks the PROXY protocol, which reads the
// header, makes the client it names the stream's peer and hands the stream, with the bytes that followed, to the next
// protocol (or closes it, counted in updraft_proxy_protocol_errors_total, if the header is missing, malformed or late).
#pragma once

#include <chrono>
#include <functional>

#include "core/net/stream.hpp"

namespace updraft {

class ProxyProtocolReader final : public StreamHandler {
 public:
  // Installs the protocol that follows the header on the stream (with set_handler()) and starts it.
  using Next = std::function<void(Stream&)>;
  explicit ProxyProtocolReader(Next next) : next_(std::move(next)) {}
  // Reads, allowing `timeout` for the whole header; call once the reader is the stream's handler.
  void start(Stream& stream, std::chrono::duration<double> timeout);

  void on_data(Stream& stream) override;
  void on_timeout(Stream& stream) override;

 private:
  void fail(Stream& stream, const char* reason);
  Next next_;
};

}  // namespace updraft
