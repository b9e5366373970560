// PythonRuntime: PyConfig-based start-up (no signal handlers), sys.path set-up, GIL helpers, traceback formatting.
#define PY_SSIZE_T_CLEAN
#include <Python.h>

#include "wsgi/python_runtime.hpp"

#include <unistd.h>

#include <atomic>
#include <cerrno>
#include <chrono>
#include <cstring>
#include <stdexcept>

#include "wsgi/virtualenv.hpp"

namespace updraft::py {

namespace {
PyThreadState* main_thread_state = nullptr;
bool freeze_loaded = true;

void check(PyStatus status, const char* what) {
  if (PyStatus_Exception(status))
    throw std::runtime_error(std::string(what) + ": " + (status.err_msg ? status.err_msg : "failed"));
}

// Runs a snippet with the GIL held; throws with the traceback on error.
void run_python(const std::string& code, PyObject* args) {
  PyObject* globals = PyDict_New();
  PyDict_SetItemString(globals, "__builtins__", PyEval_GetBuiltins());
  PyDict_SetItemString(globals, "ARGS", args);
  PyObject* result = PyRun_String(code.c_str(), Py_file_input, globals, globals);
  Py_DECREF(globals);
  if (!result) throw std::runtime_error(take_error_traceback());
  Py_DECREF(result);
}
}  // namespace

void initialize(const RuntimeOptions& options) {
  if (!options.chdir.empty() && ::chdir(options.chdir.c_str()) != 0)
    throw std::runtime_error("cannot chdir to " + options.chdir + ": " + std::strerror(errno));
  freeze_loaded = options.freeze_loaded;
  PyConfig config;
  PyConfig_InitPythonConfig(&config);
  config.install_signal_handlers = 0;
  config.parse_argv = 0;
  config.buffered_stdio = 0;
  try {
    // Debian's interpreter (its dist-packages on sys.path), or the virtualenv's: Python's start-up then reads its
    // pyvenv.cfg as it does for DIR/bin/python3.
    std::string program = options.virtualenv.empty() ? "/usr/bin/python3" : virtualenv_interpreter(options.virtualenv);
    check(PyConfig_SetBytesString(&config, &config.program_name, program.c_str()), "Python config");
    check(Py_InitializeFromConfig(&config), "Python start-up");
  } catch (...) {
    PyConfig_Clear(&config);
    throw;
  }
  PyConfig_Clear(&config);

  PyObject* args = PyList_New(0);
  std::vector<std::string> front = options.pythonpath;
  front.insert(front.begin(), std::string("."));  // the working directory, which is --chdir by now
  for (auto& p : front) {
    PyObject* s = PyUnicode_DecodeFSDefault(p.c_str());
    PyList_Append(args, s);
    Py_DECREF(s);
  }
  try {
    run_python(R"(
import os, sys
for p in reversed(ARGS):
    p = os.path.abspath(p)
    if p in sys.path:
        sys.path.remove(p)
    sys.path.insert(0, p)
)",
               args);
  } catch (...) {
    Py_DECREF(args);
    throw;
  }
  Py_DECREF(args);
  main_thread_state = PyEval_SaveThread();
}

void finalize() {
  if (!main_thread_state) return;
  PyEval_RestoreThread(main_thread_state);
  main_thread_state = nullptr;
  Py_FinalizeEx();
}

void freeze_loaded_objects() {
  if (freeze_loaded) run_python("import gc\ngc.freeze()", Py_None);
}

void after_fork_child() {
  PyEval_RestoreThread(main_thread_state);
  PyOS_AfterFork_Child();
  main_thread_state = PyEval_SaveThread();
}

namespace {
std::atomic<std::uint64_t> gil_wait_ns{0};

void count_gil_wait(std::chrono::steady_clock::time_point start) {
  auto waited = std::chrono::steady_clock::now() - start;
  gil_wait_ns.fetch_add(static_cast<std::uint64_t>(std::chrono::nanoseconds(waited).count()), std::memory_order_relaxed);
}

int take_gil() {
  auto start = std::chrono::steady_clock::now();
  int state = static_cast<int>(PyGILState_Ensure());
  count_gil_wait(start);
  return state;
}
}  // namespace

double gil_wait_seconds() { return static_cast<double>(gil_wait_ns.load(std::memory_order_relaxed)) / 1e9; }

Gil::Gil() : state_(take_gil()) {}
Gil::~Gil() { PyGILState_Release(static_cast<PyGILState_STATE>(state_)); }

GilRelease::GilRelease() : saved_(PyEval_SaveThread()) {}
GilRelease::~GilRelease() {
  auto start = std::chrono::steady_clock::now();
  PyEval_RestoreThread(static_cast<PyThreadState*>(saved_));
  count_gil_wait(start);
}

std::string take_error_traceback() {
  PyObject *type = nullptr, *exc = nullptr, *tb = nullptr;
  PyErr_Fetch(&type, &exc, &tb);
  if (!type) return "unknown Python error";
  PyErr_NormalizeException(&type, &exc, &tb);
  if (tb) PyException_SetTraceback(exc, tb);
  Py_XDECREF(type);
  Py_XDECREF(tb);
  std::string text;
  PyObject* tb_module = PyImport_ImportModule("traceback");
  PyObject* lines = tb_module ? PyObject_CallMethod(tb_module, "format_exception", "O", exc) : nullptr;
  if (lines) {
    PyObject* empty = PyUnicode_FromString("");
    PyObject* joined = PyUnicode_Join(empty, lines);
    if (joined) {
      const char* utf8 = PyUnicode_AsUTF8(joined);
      if (utf8) text = utf8;
      Py_DECREF(joined);
    }
    Py_DECREF(empty);
    Py_DECREF(lines);
  }
  Py_XDECREF(tb_module);
  if (text.empty()) {
    PyObject* repr = PyObject_Repr(exc);
    const char* utf8 = repr ? PyUnicode_AsUTF8(repr) : nullptr;
    text = utf8 ? utf8 : "unprintable Python error";
    Py_XDECREF(repr);
  }
  PyErr_Clear();
  Py_XDECREF(exc);
  while (!text.empty() && text.back() == '\n') text.pop_back();
  return text;
}

}  // namespace updraft::py
