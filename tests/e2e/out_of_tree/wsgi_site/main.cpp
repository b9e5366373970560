// wsgi_site: a native route beside a WSGI app on one port, built against an installed updraft (what samples/mixed does
// with the command line's flags). Usage: wsgi_site DIR MODULE:CALLABLE; prints "wsgi_site listening on URL".
#include <cstdio>
#include <memory>

#include "cli/serve.hpp"
#include "core/http/http_server.hpp"
#include "native/application.hpp"
#include "wsgi/python_runtime.hpp"
#include "wsgi/wsgi_app.hpp"
#include "wsgi/wsgi_container.hpp"

using namespace updraft;

struct NativeHandler : RequestHandler {
  void get() { write("native"); }
};

int main(int argc, char** argv) {
  if (argc != 3) {
    std::fprintf(stderr, "usage: wsgi_site DIR MODULE:CALLABLE\n");
    return 2;
  }
  try {
    py::RuntimeOptions runtime;
    runtime.chdir = argv[1];
    py::initialize(runtime);
    py::WsgiApp app(argv[2], py::ServerIdentity{});
    WsgiContainer container(
        WsgiContainerOptions{}, [&app](const std::shared_ptr<Exchange>& exchange) { app.handle(exchange); },
        &py::WsgiApp::interrupt);
    Application routes;
    routes.add<NativeHandler>("/native");
    routes.set_fallback(container);
    ServerOptions options;
    options.port = 0;
    HTTPServer server(options, routes);
    int code = serve(server, "wsgi_site", [&] { server.bind(); }, 1);
    container.pool().stop();
    return code;
  } catch (const std::exception& e) {
    std::fprintf(stderr, "wsgi_site: %s\n", e.what());
    return 1;
  }
}
