// WsgiApp: loads MODULE:CALLABLE (or MODULE:factory()) and runs one request through it on a worker thread.
#pragma once

#include <memory>
#include <string>
#include <string_view>

#include "wsgi/environ.hpp"
#include "wsgi/exchange.hpp"

typedef struct _object PyObject;

namespace updraft::py {

class WsgiApp {
 public:
  // Imports and resolves spec (GIL not held on entry). Throws std::runtime_error whose
  // message is a one-line reason, a newline, then the Python traceback if any.
  WsgiApp(std::string_view spec, const ServerIdentity& identity);
  ~WsgiApp();
  WsgiApp(const WsgiApp&) = delete;
  WsgiApp& operator=(const WsgiApp&) = delete;

  // MODULE:CALLABLE, as given.
  const std::string& spec() const { return spec_; }
  // Replaces the SERVER_* defaults, e.g. with the real port once the listeners are bound (GIL not held).
  void set_identity(const ServerIdentity& identity);

  // Runs the app for one exchange on the calling thread, taking the GIL only for Python.
  void handle(const std::shared_ptr<Exchange>& exchange);
  // From the pool's watchdog: logs the Python stack of the thread running a request past its
  // deadline and raises TimeoutError inside it.
  static void interrupt(unsigned long thread_ident);

 private:
  void run(const std::shared_ptr<Exchange>& exchange);
  std::string spec_;
  PyObject* app_ = nullptr;
  std::unique_ptr<EnvironBuilder> environ_;
};

}  // namespace updraft::py
