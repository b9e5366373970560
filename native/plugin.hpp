// The entry point of a native plugin that `updraft --native PATH.so` loads beside a WSGI app.
//
//   #include "native/plugin.hpp"
//   struct Fast : updraft::RequestHandler { void get() { write("fast"); } };
//   UPDRAFT_PLUGIN(app) { app.add<Fast>("/fast"); }
//
// The plugin is built as a shared module against these headers and resolves the framework's
// symbols from the updraft executable (which exports them); its routes take precedence over
// the WSGI app, which serves every other path.
#pragma once

#include "native/application.hpp"

#define UPDRAFT_PLUGIN(app) extern "C" void updraft_register(updraft::Application& app)
