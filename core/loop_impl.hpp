// The Asio side of a Loop, for the core's own .cpp files only (keeps Asio out of public headers).
#pragma once

#include <boost/asio/io_context.hpp>

#include "core/loop.hpp"

namespace updraft {

struct Loop::Impl {
  boost::asio::io_context io{1};
};

}  // namespace updraft
