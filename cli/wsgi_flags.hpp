// The WSGI pool's flags, one registration for the updraft command and the mixed sample.
#pragma once

#include "wsgi/wsgi_container.hpp"

namespace CLI {
class App;
}

namespace updraft {

// Registers --threads, --max-queue, -t/--timeout, --queue-timeout, --dispatch, --buffer-request-body,
// --response-buffer, --response-spool-max and --spool-dir onto the options.
void add_wsgi_flags(CLI::App& app, WsgiContainerOptions& options);

}  // namespace updraft
