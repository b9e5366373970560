// hello_plugin: a native plugin for `updraft --native`: C++ fast paths beside a Django or Flask site.
#include <chrono>

#include "native/plugin.hpp"

using namespace updraft;

struct NativeHello : RequestHandler {
  void get() {
    set_header("Content-Type", "text/plain");
    write("Hello from a native plugin!");
  }
};

struct NativeSleep : RequestHandler {
  Task get() {
    co_await sleep(std::chrono::milliseconds(std::stol(get_argument("ms", "0"))));
    set_header("Content-Type", "text/plain");
    write("slept");
  }
};

UPDRAFT_PLUGIN(app) {
  app.add<NativeHello>("/native/plugin-hello");
  app.add<NativeSleep>("/native/plugin-sleep");
}
