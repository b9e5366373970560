// Serve: systemd's sockets or bound ones, one process or forked children, then run().
#include "cli/serve.hpp"

#include <cstdio>
#include <string>

#include "core/net/process.hpp"

namespace updraft {

int serve(TCPServer& server, std::string_view name, const std::function<void()>& bind, int processes) {
  std::vector<int> inherited = systemd_sockets();
  if (!inherited.empty()) server.add_sockets(inherited);
  else bind();
  for (const std::string& line : server.describe_listeners())
    std::printf("%.*s listening on %s\n", static_cast<int>(name.size()), name.data(), line.c_str());
  std::fflush(stdout);
  server.start(processes);
  return server.run();
}

}  // namespace updraft
