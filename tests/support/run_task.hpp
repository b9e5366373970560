// Runs an io_context until a Task finishes (5 s at most), for the unit tests of coroutines on Asio.
#pragma once

#include <catch2/catch.hpp>

#include <chrono>

#include <boost/asio/io_context.hpp>

#include "core/net/task.hpp"

namespace updraft::test {

template <class T>
void run_until_done(boost::asio::io_context& io, Task<T>& task) {
  auto deadline = std::chrono::steady_clock::now() + std::chrono::seconds(5);
  while (!task.done() && std::chrono::steady_clock::now() < deadline) {
    if (io.stopped()) io.restart();  // it stops whenever it runs out of work
    io.run_one_for(std::chrono::milliseconds(100));
  }
  REQUIRE(task.done());
}

}  // namespace updraft::test
