// --static-map: the flag's check and the routes it adds.
#include "cli/static_map_flags.hpp"

#include <CLI/CLI.hpp>

#include "native/application.hpp"

namespace updraft {

void add_static_map_flag(CLI::App& cli, std::vector<std::string>& maps) {
  cli.add_option("--static-map", maps,
                 "URL_PREFIX=DIR: serve the files under DIR at URL_PREFIX natively, before the app (repeatable)")
      ->check([](const std::string& map) {
        auto eq = map.find('=');
        return map.starts_with('/') && eq != std::string::npos && eq + 1 < map.size()
                   ? std::string()
                   : "--static-map takes URL_PREFIX=DIR, the prefix starting with '/'";
      });
}

void add_static_maps(const std::vector<std::string>& maps, Application& app) {
  for (const auto& map : maps) {
    auto eq = map.find('=');
    app.add_static(map.substr(0, eq), map.substr(eq + 1));
  }
}

}  // namespace updraft
