// wsgi.input: read(), read(n), readline(), readlines(), iteration over the streamed body (PEP 3333).
#define PY_SSIZE_T_CLEAN
#include <Python.h>

#include "wsgi/input_stream.hpp"

#include <string>

#include "wsgi/python_runtime.hpp"

namespace updraft::py {

namespace {
constexpr std::size_t kReadBlock = 64 * 1024;

struct Input {
  PyObject_HEAD
  std::shared_ptr<Exchange>* exchange;
  std::string* pending;  // bytes read from the channel but not yet returned
  bool eof;
};

PyTypeObject* input_type = nullptr;

// Reads more into pending, releasing the GIL while waiting; 0 at end of body, -1 with
// OSError set when the client left before sending all of it.
int fill(Input* self) {
  if (self->eof) return 0;
  std::size_t old = self->pending->size();
  self->pending->resize(old + kReadBlock);
  std::size_t n;
  {
    GilRelease release;
    n = (*self->exchange)->read_body(self->pending->data() + old, kReadBlock);
  }
  self->pending->resize(old + n);
  if (n != 0) return 1;
  if ((*self->exchange)->body_truncated()) {
    PyErr_SetString(PyExc_OSError, "client disconnected before the end of the request body");
    return -1;
  }
  self->eof = true;
  return 0;
}

PyObject* take(Input* self, std::size_t n) {
  n = std::min(n, self->pending->size());
  PyObject* out = PyBytes_FromStringAndSize(self->pending->data(), static_cast<Py_ssize_t>(n));
  self->pending->erase(0, n);
  return out;
}

bool parse_size(PyObject* const* args, Py_ssize_t nargs, Py_ssize_t& size) {
  size = -1;
  if (nargs > 1) {
    PyErr_SetString(PyExc_TypeError, "expected at most one argument");
    return false;
  }
  if (nargs == 1 && args[0] != Py_None) {
    size = PyLong_AsSsize_t(args[0]);
    if (size == -1 && PyErr_Occurred()) return false;
  }
  return true;
}

PyObject* input_read(Input* self, PyObject* const* args, Py_ssize_t nargs) {
  Py_ssize_t size;
  if (!parse_size(args, nargs, size)) return nullptr;
  int more = 1;
  while (more > 0 && (size < 0 || self->pending->size() < static_cast<std::size_t>(size))) more = fill(self);
  if (more < 0) return nullptr;
  return take(self, size < 0 ? self->pending->size() : static_cast<std::size_t>(size));
}

PyObject* readline_impl(Input* self, Py_ssize_t size) {
  std::size_t scanned = 0;
  while (true) {
    auto nl = self->pending->find('\n', scanned);
    if (nl != std::string::npos) {
      std::size_t n = nl + 1;
      if (size >= 0) n = std::min(n, static_cast<std::size_t>(size));
      return take(self, n);
    }
    if (size >= 0 && self->pending->size() >= static_cast<std::size_t>(size)) return take(self, size);
    scanned = self->pending->size();
    int more = fill(self);
    if (more < 0) return nullptr;
    if (more == 0) return take(self, self->pending->size());
  }
}

PyObject* input_readline(Input* self, PyObject* const* args, Py_ssize_t nargs) {
  Py_ssize_t size;
  if (!parse_size(args, nargs, size)) return nullptr;
  return readline_impl(self, size);
}

PyObject* input_readlines(Input* self, PyObject* const* args, Py_ssize_t nargs) {
  Py_ssize_t hint;
  if (!parse_size(args, nargs, hint)) return nullptr;
  PyObject* lines = PyList_New(0);
  Py_ssize_t total = 0;
  while (true) {
    PyObject* line = readline_impl(self, -1);
    if (!line) {
      Py_DECREF(lines);
      return nullptr;
    }
    Py_ssize_t n = PyBytes_GET_SIZE(line);
    if (n == 0) {
      Py_DECREF(line);
      break;
    }
    PyList_Append(lines, line);
    Py_DECREF(line);
    total += n;
    if (hint > 0 && total >= hint) break;
  }
  return lines;
}

PyObject* input_iternext(Input* self) {
  PyObject* line = readline_impl(self, -1);
  if (line && PyBytes_GET_SIZE(line) == 0) {
    Py_DECREF(line);
    return nullptr;  // StopIteration
  }
  return line;
}

void input_dealloc(Input* self) {
  delete self->exchange;
  delete self->pending;
  PyTypeObject* type = Py_TYPE(self);
  type->tp_free(self);
  Py_DECREF(type);
}

PyMethodDef input_methods[] = {
    {"read", reinterpret_cast<PyCFunction>(reinterpret_cast<void (*)()>(input_read)), METH_FASTCALL,
     "read([size]) -> bytes"},
    {"readline", reinterpret_cast<PyCFunction>(reinterpret_cast<void (*)()>(input_readline)), METH_FASTCALL,
     "readline([size]) -> bytes"},
    {"readlines", reinterpret_cast<PyCFunction>(reinterpret_cast<void (*)()>(input_readlines)), METH_FASTCALL,
     "readlines([hint]) -> list of bytes"},
    {nullptr, nullptr, 0, nullptr}};

PyType_Slot input_slots[] = {
    {Py_tp_dealloc, reinterpret_cast<void*>(input_dealloc)},
    {Py_tp_iter, reinterpret_cast<void*>(PyObject_SelfIter)},
    {Py_tp_iternext, reinterpret_cast<void*>(input_iternext)},
    {Py_tp_methods, input_methods},
    {Py_tp_doc, const_cast<char*>("wsgi.input: the request body, streamed")},
    {0, nullptr}};

PyType_Spec input_spec = {"updraft.Input", sizeof(Input), 0, Py_TPFLAGS_DEFAULT, input_slots};
}  // namespace

void init_input_type() { input_type = reinterpret_cast<PyTypeObject*>(PyType_FromSpec(&input_spec)); }

PyObject* make_input(std::shared_ptr<Exchange> exchange) {
  Input* self = PyObject_New(Input, input_type);
  if (!self) return nullptr;
  self->exchange = new std::shared_ptr<Exchange>(std::move(exchange));
  self->pending = new std::string();
  self->eof = false;
  return reinterpret_cast<PyObject*>(self);
}

}  // namespace updraft::py
