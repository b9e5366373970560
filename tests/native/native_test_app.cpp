// native_test_app: routes exercising the native framework, driven by tests/e2e.
#include <CLI/CLI.hpp>
#include <boost/json.hpp>
#include <cstdio>

#include "cli/server_flags.hpp"
#include "native/application.hpp"

using namespace updraft;

struct PlainHandler : RequestHandler {
  void get() {
    set_header("Content-Type", "text/plain");
    write("plain");
  }
};

int main(int argc, char** argv) {
  CLI::App cli{"native framework test app"};
  ServerFlags flags;
  flags.server.port = 0;
  add_server_flags(cli, flags);
  CLI11_PARSE(cli, argc, argv);
  try {
    apply_log_flags(flags);
    Application app;
    app.add<PlainHandler>("/plain");
    Server server(flags.server, app);
    std::uint16_t port = server.bind();
    std::printf("native_test_app listening on http://%s:%u/\n", flags.server.address.c_str(), port);
    std::fflush(stdout);
    return server.run();
  } catch (const std::exception& e) {
    std::fprintf(stderr, "native_test_app: %s\n", e.what());
    return 1;
  }
}
