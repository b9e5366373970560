// --static-map URL_PREFIX=DIR (uWSGI's flag): directories served by StaticFileHandler on the loop, in front of a WSGI
// app, for the updraft command and the mixed sample.
#pragma once

#include <string>
#include <vector>

namespace CLI {
class App;
}

namespace updraft {

class Application;

// Registers --static-map (repeatable); each value is checked to be URL_PREFIX=DIR with the prefix starting with '/'.
void add_static_map_flag(CLI::App& cli, std::vector<std::string>& maps);
// Serves each URL_PREFIX=DIR from app (Application::add_static); throws as StaticRoot does for a directory it cannot
// serve. Relative directories are taken from the working directory now (before any --chdir).
void add_static_maps(const std::vector<std::string>& maps, Application& app);

}  // namespace updraft
