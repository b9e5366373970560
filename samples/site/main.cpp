// site: a small native site in Tornado's style: login with a signed cookie, XSRF-protected forms, an upload form,
// Mustache templates, static CSS/JS with versioned URLs, and compressed responses.
#include <CLI/CLI.hpp>
#include <cstdio>
#include <stdexcept>
#include <string>

#include "cli/serve.hpp"
#include "cli/server_flags.hpp"
#include "native/application.hpp"
#include "samples/site/handlers.hpp"

using namespace updraft;

int main(int argc, char** argv) {
  CLI::App cli{"updraft site sample: login, an XSRF-protected upload form, templates and static files"};
  ServerFlags flags;
  flags.server.port = 8888;
  add_server_flags(cli, flags);
  std::string cookie_secret;
  cli.add_option("--cookie-secret", cookie_secret, "the key of the signed cookie \"user\" (Tornado's cookie_secret)")
      ->required();
  std::string root = UPDRAFT_SITE_DIR;
  cli.add_option("--root", root, "the directory holding templates/ and static/")->capture_default_str();
  CLI11_PARSE(cli, argc, argv);
  try {
    apply_log_flags(flags);
    Application app;
    app.set_cookie_secret(cookie_secret);
    app.set_xsrf_cookies(true);
    app.set_template_path(root + "/templates");
    app.set_static_path(root + "/static");
    // gzip or brotli, as the browser prefers; the sample's pages and CSS are small, so from 256 bytes (Tornado: 1 KiB).
    app.set_compress_response(true, CompressionOptions{.min_length = 256});
    site::add_site_routes(app);
    HTTPServer server(flags.server, app);
    return serve(server, "site", [&] { server.bind(); }, flags.processes);
  } catch (const std::exception& e) {
    std::fprintf(stderr, "site: %s\n", e.what());
    return 1;
  }
}
