// Native plugins: dlopen + dlsym("updraft_register"), kept loaded for the life of the process.
#include "cli/native_plugin.hpp"

#include <dlfcn.h>

#include <stdexcept>

#include "native/application.hpp"

namespace updraft {

void load_native_plugin(const std::string& path, Application& app) {
  void* module = ::dlopen(path.c_str(), RTLD_NOW | RTLD_LOCAL);
  if (!module) throw std::runtime_error("cannot load native plugin " + path + ": " + ::dlerror());
  using Register = void (*)(Application&);
  auto entry = reinterpret_cast<Register>(::dlsym(module, "updraft_register"));
  if (!entry) throw std::runtime_error("native plugin " + path + " has no updraft_register (use UPDRAFT_PLUGIN)");
  entry(app);
}

}  // namespace updraft
