// The Asio side of a Loop, for the core's own .cpp files only (keeps Asio out of public headers).
#pragma once

#include <boost/asio/io_context.hpp>
#include <boost/asio/posix/stream_descriptor.hpp>

#include "core/net/loop.hpp"

namespace updraft {

struct Loop::Impl {
  // Sockets and timers are touched on their loop thread only (the thread-safety boundary), so Asio need not lock
  // each descriptor's state; post() from other threads stays locked.
  boost::asio::io_context io{BOOST_ASIO_CONCURRENCY_HINT_UNSAFE_IO};
  // Readable when other threads have posted (the inbox's eventfd, which the inbox owns).
  boost::asio::posix::stream_descriptor inbox_ready{io};
};

}  // namespace updraft
