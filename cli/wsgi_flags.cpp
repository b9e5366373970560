// The WSGI pool's flags: CLI11 options mapped onto WsgiContainerOptions.
#include "cli/wsgi_flags.hpp"

#include <CLI/CLI.hpp>

#include "cli/server_flags.hpp"

namespace updraft {

void add_wsgi_flags(CLI::App& app, WsgiContainerOptions& o) {
  app.add_option("--threads", o.threads, "WSGI worker threads per process")
      ->capture_default_str()
      ->check(CLI::Range(1, 1024));
  add_dispatch_flag(app, o.fair_dispatch);
  app.add_option("--max-queue", o.max_queue, "requests waiting for a WSGI thread before 503")->capture_default_str();
  add_seconds_flag(app, "-t,--timeout", o.request_timeout,
                   "seconds a WSGI request may run before 504 and an interrupt (0: none)", /*zero_allowed=*/true);
  add_seconds_flag(app, "--queue-timeout", o.queue_timeout, "seconds a request may wait for a WSGI thread before 503");
  app.add_option("--buffer-request-body", o.buffer_request_body,
                 "request bodies up to this many bytes are read whole before a WSGI thread takes the request")
      ->capture_default_str();
  app.add_option("--response-buffer", o.response_spool.memory,
                 "bytes of a response held in memory for a slow client before they go to a temporary file")
      ->capture_default_str();
  app.add_option("--response-spool-max", o.response_spool.max,
                 "bytes of a response waiting in the temporary file; past this the app waits for the client")
      ->capture_default_str();
  app.add_option("--spool-dir", o.response_spool.dir, "directory for the temporary files (default: $TMPDIR or /tmp)")
      ->check(CLI::ExistingDirectory);
}

}  // namespace updraft
