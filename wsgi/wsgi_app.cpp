// WsgiApp: import and resolve the app, call it, stream its iterable, always close() it, turn errors into 500s.
#define PY_SSIZE_T_CLEAN
#include <Python.h>

#include "wsgi/wsgi_app.hpp"

#include <spdlog/spdlog.h>

#include <fcntl.h>
#include <sys/stat.h>

#include <stdexcept>

#include "wsgi/input_stream.hpp"
#include "wsgi/python_runtime.hpp"
#include "wsgi/start_response.hpp"

namespace updraft::py {

namespace {
// Resolves "module:attr", "module:attr.sub" and "module:factory(args)" like gunicorn.
const char* kLoader = R"(
import ast, importlib

def load(spec):
    module_name, _, expr = spec.partition(':')
    expr = expr or 'application'
    if not module_name:
        raise LookupError('no module in %r: expected MODULE:CALLABLE' % spec)
    module = importlib.import_module(module_name)
    call_args = None
    if expr.endswith(')') and '(' in expr:
        expr, _, args = expr[:-1].partition('(')
        try:
            call = ast.parse('f(%s)' % args, mode='eval').body
            call_args = ([ast.literal_eval(a) for a in call.args],
                         {k.arg: ast.literal_eval(k.value) for k in call.keywords})
        except (SyntaxError, ValueError):
            raise LookupError('arguments of %s(...) must be Python literals' % expr)
    obj = module
    for part in expr.split('.'):
        if not hasattr(obj, part):
            raise LookupError('failed to find attribute %r in %r' % (expr, module_name))
        obj = getattr(obj, part)
    if call_args is not None:
        obj = obj(*call_args[0], **call_args[1])
    if not callable(obj):
        raise TypeError('%s:%s is not callable (it is %r)' % (module_name, expr, type(obj).__name__))
    return obj
)";

PyObject* load_app(std::string_view spec) {
  PyObject* globals = PyDict_New();
  PyDict_SetItemString(globals, "__builtins__", PyEval_GetBuiltins());
  PyObject* ran = PyRun_String(kLoader, Py_file_input, globals, globals);
  PyObject* app = nullptr;
  if (ran) {
    Py_DECREF(ran);
    PyObject* load = PyDict_GetItemString(globals, "load");
    app = PyObject_CallFunction(load, "s#", spec.data(), static_cast<Py_ssize_t>(spec.size()));
  }
  Py_DECREF(globals);
  return app;
}

// A one-line reason from the exception currently set (its last traceback line).
std::string one_line(const std::string& traceback) {
  auto end = traceback.find_last_not_of('\n');
  auto start = traceback.rfind('\n', end);
  return traceback.substr(start == std::string::npos ? 0 : start + 1);
}

void send_error_500(ResponseState& state) {
  static constexpr std::string_view body = "Internal Server Error\n";
  state.headers.clear();
  state.headers.add("Content-Type", "text/plain; charset=utf-8");
  state.headers.add("Content-Length", std::to_string(body.size()));
  state.status = 500;
  state.reason.clear();
  state.started = true;
  emit(state, body);
}

bool has_content_length(const ResponseState& state) { return state.headers.contains("content-length"); }

// A HEAD answer with no body says nothing about the GET's length (werkzeug returns () for HEAD): add none.
bool may_add_length(const ResponseState& state, std::size_t total) {
  if (state.head_sent || state.wrote || has_content_length(state)) return false;
  return total > 0 || state.exchange->info().method != "HEAD";
}

// Sends a list or tuple of bytes in one piece, with a Content-Length when the app gave none.
bool send_sequence(ResponseState& state, PyObject* seq) {
  Py_ssize_t n = PySequence_Fast_GET_SIZE(seq);
  PyObject** items = PySequence_Fast_ITEMS(seq);
  std::size_t total = 0;
  for (Py_ssize_t i = 0; i < n; ++i) {
    if (!PyBytes_Check(items[i])) {
      PyErr_Format(PyExc_TypeError, "the response iterable yielded %.100s, not bytes", Py_TYPE(items[i])->tp_name);
      return false;
    }
    total += static_cast<std::size_t>(PyBytes_GET_SIZE(items[i]));
  }
  if (may_add_length(state, total)) state.headers.add("Content-Length", std::to_string(total));
  if (n == 1) return emit(state, {PyBytes_AS_STRING(items[0]), total});
  std::string body;
  body.reserve(total);
  for (Py_ssize_t i = 0; i < n; ++i) body.append(PyBytes_AS_STRING(items[i]), PyBytes_GET_SIZE(items[i]));
  return emit(state, body);
}

// Streams any iterable; returns false with an error set, or false with none if the client left.
bool send_iterable(ResponseState& state, PyObject* result) {
  PyObject* it = PyObject_GetIter(result);
  if (!it) return false;
  bool ok = true;
  while (PyObject* item = PyIter_Next(it)) {
    if (!PyBytes_Check(item)) {
      PyErr_Format(PyExc_TypeError, "the response iterable yielded %.100s, not bytes", Py_TYPE(item)->tp_name);
      Py_DECREF(item);
      ok = false;
      break;
    }
    if (!state.started) {
      PyErr_SetString(PyExc_AssertionError, "the app yielded data before calling start_response()");
      Py_DECREF(item);
      ok = false;
      break;
    }
    std::string_view data(PyBytes_AS_STRING(item), static_cast<std::size_t>(PyBytes_GET_SIZE(item)));
    bool sent = data.empty() || emit(state, data);
    Py_DECREF(item);
    if (!sent) {
      ok = false;
      break;
    }
  }
  Py_DECREF(it);
  return ok && !PyErr_Occurred();
}

// A wsgi.file_wrapper over a real file: hand a dup of its descriptor to the loop for sendfile(2).
// Returns false (no error set) when the object has no usable descriptor, to fall back to iteration.
bool send_with_sendfile(ResponseState& state, PyObject* wrapper) {
  PyObject* filelike = PyObject_GetAttrString(wrapper, "filelike");
  PyObject* fileno = filelike ? PyObject_CallMethod(filelike, "fileno", nullptr) : nullptr;
  PyObject* tell = fileno ? PyObject_CallMethod(filelike, "tell", nullptr) : nullptr;
  Py_XDECREF(filelike);
  long fd = fileno ? PyLong_AsLong(fileno) : -1;
  long long offset = tell ? PyLong_AsLongLong(tell) : -1;
  Py_XDECREF(fileno);
  Py_XDECREF(tell);
  struct stat st{};
  if (PyErr_Occurred() || fd < 0 || offset < 0 || ::fstat(static_cast<int>(fd), &st) != 0 || !S_ISREG(st.st_mode)) {
    PyErr_Clear();
    return false;
  }
  std::uint64_t length = st.st_size > offset ? static_cast<std::uint64_t>(st.st_size - offset) : 0;
  if (!state.head_sent && !state.wrote && !has_content_length(state))
    state.headers.add("Content-Length", std::to_string(length));
  int copy = ::fcntl(static_cast<int>(fd), F_DUPFD_CLOEXEC, 0);
  if (copy < 0) return false;
  emit(state, {});
  GilRelease release;
  state.exchange->send_file(copy, static_cast<std::uint64_t>(offset), length);
  return true;
}

// One lookup of an interned name, which raises nothing when there is no close() (a list has none).
void call_close(PyObject* result, const WsgiRequestInfo& info) {
  static PyObject* close_name = PyUnicode_InternFromString("close");
  PyObject* close = nullptr;
  if (_PyObject_LookupAttr(result, close_name, &close) <= 0) return PyErr_Clear();
  PyObject* r = PyObject_CallNoArgs(close);
  Py_DECREF(close);
  if (r) {
    Py_DECREF(r);
  } else {
    spdlog::error("close() of the response of {} {} raised:\n{}", info.method, info.target, take_error_traceback());
  }
}
}  // namespace

WsgiApp::WsgiApp(std::string_view spec, const ServerIdentity& identity) : spec_(spec) {
  Gil gil;
  init_input_type();
  init_start_response_type();
  app_ = load_app(spec);
  if (!app_) {
    std::string tb = take_error_traceback();
    throw std::runtime_error("cannot load WSGI app '" + std::string(spec) + "': " + one_line(tb) + "\n" + tb);
  }
  environ_ = std::make_unique<EnvironBuilder>(identity);
  freeze_loaded_objects();
}

WsgiApp::~WsgiApp() {
  Gil gil;
  Py_CLEAR(app_);
  environ_.reset();
}

void WsgiApp::set_identity(const ServerIdentity& identity) {
  Gil gil;
  environ_ = std::make_unique<EnvironBuilder>(identity);
}

void WsgiApp::interrupt(unsigned long thread_ident) {
  Gil gil;
  std::string stack = "(no Python frame)";
  PyObject* frames = PySys_GetObject("_current_frames") ? PyObject_CallNoArgs(PySys_GetObject("_current_frames")) : nullptr;
  PyObject* ident = PyLong_FromUnsignedLong(thread_ident);
  PyObject* frame = frames && ident ? PyDict_GetItemWithError(frames, ident) : nullptr;
  if (frame) {
    PyObject* tb = PyImport_ImportModule("traceback");
    PyObject* lines = tb ? PyObject_CallMethod(tb, "format_stack", "O", frame) : nullptr;
    PyObject* empty = PyUnicode_FromString("");
    PyObject* joined = lines ? PyUnicode_Join(empty, lines) : nullptr;
    if (const char* text = joined ? PyUnicode_AsUTF8(joined) : nullptr) stack = text;
    Py_XDECREF(joined);
    Py_XDECREF(empty);
    Py_XDECREF(lines);
    Py_XDECREF(tb);
  }
  PyErr_Clear();
  Py_XDECREF(ident);
  Py_XDECREF(frames);
  spdlog::error("request timed out; raising TimeoutError in its thread. Stack:\n{}", stack);
  PyThreadState_SetAsyncExc(thread_ident, PyExc_TimeoutError);
}

void WsgiApp::handle(const std::shared_ptr<Exchange>& exchange) {
  Gil gil;
  run(exchange);
}

void WsgiApp::run(const std::shared_ptr<Exchange>& exchange) {
  const WsgiRequestInfo& info = exchange->info();
  auto state = std::make_shared<ResponseState>(exchange);
  PyObject* input = make_input(exchange);
  PyObject* env = environ_->build(info, input);
  Py_DECREF(input);
  PyObject* start_response = make_start_response(state);
  PyObject* result = PyObject_CallFunctionObjArgs(app_, env, start_response, nullptr);
  Py_DECREF(env);

  bool ok = result != nullptr;
  if (ok) {
    if (state->started && Py_TYPE(result) == reinterpret_cast<PyTypeObject*>(environ_->file_wrapper()) &&
        send_with_sendfile(*state, result)) {
      // sent by the loop
    } else if (PyList_CheckExact(result) || PyTuple_CheckExact(result)) {
      ok = state->started ? send_sequence(*state, result) : false;
      if (!state->started)
        PyErr_SetString(PyExc_AssertionError, "the app returned without calling start_response()");
    } else {
      ok = send_iterable(*state, result);
    }
    if (ok && !state->started) {
      PyErr_SetString(PyExc_AssertionError, "the app returned without calling start_response()");
      ok = false;
    }
  }
  bool client_gone = !ok && !PyErr_Occurred();
  if (!ok && !client_gone) {
    std::string tb = take_error_traceback();
    spdlog::error("error handling {} {}:\n{}", info.method, info.target, tb);
  }
  if (ok && !state->head_sent) {
    if (may_add_length(*state, 0)) state->headers.add("Content-Length", "0");
    emit(*state, {});
  }
  if (result) {
    call_close(result, info);
    Py_DECREF(result);
  }
  Py_DECREF(start_response);
  if (ok) {
    exchange->finish(false);
  } else if (!client_gone && !state->head_sent) {
    send_error_500(*state);
    exchange->finish(false);
  } else {
    exchange->finish(true);  // headers already out: the client must not see a complete response
  }
}

}  // namespace updraft::py
