// hello_plugin: a native plugin for `updraft --native`: C++ fast paths beside a Django or Flask site.
#include <chrono>

#include "native/plugin.hpp"
#include "native/websocket_handler.hpp"

using namespace updraft;

struct NativeHello : RequestHandler {
  void get() {
    set_header("Content-Type", "text/plain");
    write("Hello from a native plugin!");
  }
};

struct NativeSleep : RequestHandler {
  Task<> get() {
    co_await sleep(std::chrono::milliseconds(get_argument<long>("ms", 0)));
    set_header("Content-Type", "text/plain");
    write("slept");
  }
};

// A live channel beside the site: every message a client sends reaches every client connected, on any loop thread (and
// in every process, with --ws-redis).
struct NativeLive : WebSocketHandler {
  Task<> open() override {
    subscribe("live");
    return {};
  }
  void on_message(std::string_view message, bool binary) override { application().publish("live", message, binary); }
};

UPDRAFT_PLUGIN(app) {
  app.add<NativeHello>("/native/plugin-hello");
  app.add<NativeSleep>("/native/plugin-sleep");
  app.add<NativeLive>("/native/ws/live");
}
