// Loads a native plugin (a shared module exporting updraft_register) into an Application.
#pragma once

#include <string>

namespace updraft {

class Application;

// dlopen()s path and calls its updraft_register(app); throws std::runtime_error with dlerror()'s reason.
void load_native_plugin(const std::string& path, Application& app);

}  // namespace updraft
