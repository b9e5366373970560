// SocketStream: the Asio socket under a Stream, for the net layer's own .cpp files (keeps Asio out of stream.hpp).
#pragma once

#include <boost/asio/basic_stream_socket.hpp>
#include <boost/asio/generic/stream_protocol.hpp>
#include <boost/asio/io_context.hpp>

#include <sys/socket.h>

#include "core/net/stream.hpp"

namespace updraft {

class SocketStream final : public Stream {
 public:
  // Bound to its io_context's executor: 40 bytes smaller than with the type-erased any_io_executor.
  using Socket =
      boost::asio::basic_stream_socket<boost::asio::generic::stream_protocol, boost::asio::io_context::executor_type>;
  // A stream for a connected socket (its peer's address as accept() gave it, or null to ask the socket), not yet
  // started; the caller sets its handler, then calls start().
  static SocketStream* create(NetContext& ctx, Socket socket, const sockaddr_storage* peer = nullptr);
  Socket socket;

 private:
  SocketStream(NetContext& ctx, Socket s) : Stream(ctx), socket(std::move(s)) {}
  friend class Stream;
};

}  // namespace updraft
