// start_response: validates status and headers (no CR/LF/NUL, no hop-by-hop fields), enforces exc_info semantics.
#define PY_SSIZE_T_CLEAN
#include <Python.h>

#include "wsgi/start_response.hpp"

#include <cctype>
#include <string>

#include "wsgi/python_runtime.hpp"

namespace updraft::py {

namespace {
struct StartResponse {
  PyObject_HEAD
  std::shared_ptr<ResponseState>* state;
};

PyTypeObject* start_response_type = nullptr;

// By length first: the usual response fields (Content-Type, Content-Length, ...) match none, and compare nothing.
bool is_hop_by_hop(std::string_view name) {
  switch (name.size()) {
    case 2: return iequals(name, "te");
    case 7: return iequals(name, "upgrade");
    case 8: return iequals(name, "trailers");
    case 10: return iequals(name, "connection") || iequals(name, "keep-alive");
    case 17: return iequals(name, "transfer-encoding");
    case 18: return iequals(name, "proxy-authenticate");
    case 19: return iequals(name, "proxy-authorization");
    default: return false;
  }
}

// latin-1 text of a str, or nullopt with a Python error set.
bool latin1(PyObject* obj, const char* what, std::string& out) {
  if (!PyUnicode_Check(obj)) {
    PyErr_Format(PyExc_TypeError, "%s must be str, not %.100s", what, Py_TYPE(obj)->tp_name);
    return false;
  }
  if (PyUnicode_READY(obj) < 0) return false;
  if (PyUnicode_KIND(obj) == PyUnicode_1BYTE_KIND) {  // every character fits a byte: it is latin-1 already
    out.assign(reinterpret_cast<const char*>(PyUnicode_1BYTE_DATA(obj)),
               static_cast<std::size_t>(PyUnicode_GET_LENGTH(obj)));
    return true;
  }
  PyObject* bytes = PyUnicode_AsLatin1String(obj);  // raises UnicodeEncodeError: a wider kind holds a character > 255
  if (!bytes) return false;
  out.assign(PyBytes_AS_STRING(bytes), static_cast<std::size_t>(PyBytes_GET_SIZE(bytes)));
  Py_DECREF(bytes);
  return true;
}

bool parse_status(PyObject* obj, int& status, std::string& reason) {
  std::string text;
  if (!latin1(obj, "status", text)) return false;
  bool ok = text.size() >= 4 && text[3] == ' ' && std::isdigit(static_cast<unsigned char>(text[0])) &&
            std::isdigit(static_cast<unsigned char>(text[1])) && std::isdigit(static_cast<unsigned char>(text[2])) &&
            text[0] != '0';
  for (unsigned char c : text) ok = ok && (c >= 0x20 || c == '\t') && c != 0x7f;  // no CR, LF, NUL or other controls
  if (!ok) {
    PyErr_Format(PyExc_ValueError, "invalid status %R: it must look like '200 OK'", obj);
    return false;
  }
  status = std::stoi(text.substr(0, 3));
  reason = text.substr(4);
  return true;
}

bool parse_headers(PyObject* obj, HeaderList& headers) {
  if (!PyList_Check(obj)) {
    PyErr_Format(PyExc_TypeError, "response headers must be a list, not %.100s", Py_TYPE(obj)->tp_name);
    return false;
  }
  for (Py_ssize_t i = 0; i < PyList_GET_SIZE(obj); ++i) {
    PyObject* item = PyList_GET_ITEM(obj, i);
    if (!PyTuple_Check(item) || PyTuple_GET_SIZE(item) != 2) {
      PyErr_Format(PyExc_TypeError, "response header %R must be a (name, value) tuple", item);
      return false;
    }
    std::string name, value;
    if (!latin1(PyTuple_GET_ITEM(item, 0), "header name", name) ||
        !latin1(PyTuple_GET_ITEM(item, 1), "header value", value))
      return false;
    bool name_ok = !name.empty();
    for (char c : name) name_ok = name_ok && is_tchar(c);
    if (!name_ok) {
      PyErr_Format(PyExc_ValueError, "invalid response header name %R", PyTuple_GET_ITEM(item, 0));
      return false;
    }
    if (value.find_first_of(std::string_view("\r\n\0", 3)) != std::string::npos) {
      PyErr_Format(PyExc_ValueError, "response header %s has CR, LF or NUL in its value", name.c_str());
      return false;
    }
    if (is_hop_by_hop(name)) {
      PyErr_Format(PyExc_ValueError, "hop-by-hop header %s is not allowed in a WSGI response", name.c_str());
      return false;
    }
    headers.add(name, value);
  }
  return true;
}

// The usual call, start_response(status, headers[, exc_info]) by position, skips the keyword parser.
bool start_response_args(PyObject* args, PyObject* kwargs, PyObject*& status, PyObject*& headers,
                         PyObject*& exc_info) {
  Py_ssize_t n = PyTuple_GET_SIZE(args);
  if (!kwargs && (n == 2 || n == 3)) {
    status = PyTuple_GET_ITEM(args, 0);
    headers = PyTuple_GET_ITEM(args, 1);
    if (n == 3) exc_info = PyTuple_GET_ITEM(args, 2);
    return true;
  }
  static const char* keywords[] = {"status", "headers", "exc_info", nullptr};
  return PyArg_ParseTupleAndKeywords(args, kwargs, "OO|O:start_response", const_cast<char**>(keywords), &status,
                                     &headers, &exc_info);
}

PyObject* start_response_call(StartResponse* self, PyObject* args, PyObject* kwargs) {
  PyObject *status_obj, *headers_obj, *exc_info = Py_None;
  if (!start_response_args(args, kwargs, status_obj, headers_obj, exc_info)) return nullptr;
  ResponseState& state = **self->state;
  if (exc_info != Py_None) {
    if (!PyTuple_Check(exc_info) || PyTuple_GET_SIZE(exc_info) != 3) {
      PyErr_SetString(PyExc_TypeError, "exc_info must be a (type, value, traceback) tuple");
      return nullptr;
    }
    if (state.head_sent) {
      // PEP 3333: too late to change the response; re-raise the app's error.
      PyObject* type = PyTuple_GET_ITEM(exc_info, 0);
      PyObject* value = PyTuple_GET_ITEM(exc_info, 1);
      PyObject* tb = PyTuple_GET_ITEM(exc_info, 2);
      Py_INCREF(type);
      Py_INCREF(value);
      Py_XINCREF(tb == Py_None ? nullptr : tb);
      PyErr_Restore(type, value, tb == Py_None ? nullptr : tb);
      return nullptr;
    }
  } else if (state.started) {
    PyErr_SetString(PyExc_AssertionError, "start_response() called a second time without exc_info");
    return nullptr;
  }
  int status = 0;
  std::string reason;
  HeaderList headers;
  if (!parse_status(status_obj, status, reason) || !parse_headers(headers_obj, headers)) return nullptr;
  state.status = status;
  state.reason = std::move(reason);
  state.headers = std::move(headers);
  state.started = true;
  static PyObject* write_name = PyUnicode_InternFromString("write");
  return PyObject_GetAttr(reinterpret_cast<PyObject*>(self), write_name);
}

PyObject* write_method(StartResponse* self, PyObject* data) {
  ResponseState& state = **self->state;
  if (!state.started) {
    PyErr_SetString(PyExc_AssertionError, "write() called before start_response()");
    return nullptr;
  }
  if (!PyBytes_Check(data)) {
    PyErr_Format(PyExc_TypeError, "write() takes bytes, not %.100s", Py_TYPE(data)->tp_name);
    return nullptr;
  }
  if (PyBytes_GET_SIZE(data) == 0) Py_RETURN_NONE;  // headers wait for the first non-empty chunk
  state.wrote = true;
  if (!emit(state, {PyBytes_AS_STRING(data), static_cast<std::size_t>(PyBytes_GET_SIZE(data))})) {
    PyErr_SetString(PyExc_OSError, "client disconnected");
    return nullptr;
  }
  Py_RETURN_NONE;
}

void start_response_dealloc(StartResponse* self) {
  delete self->state;
  PyTypeObject* type = Py_TYPE(self);
  type->tp_free(self);
  Py_DECREF(type);
}

PyMethodDef start_response_methods[] = {
    {"write", reinterpret_cast<PyCFunction>(reinterpret_cast<void (*)()>(write_method)), METH_O,
     "write(data): the PEP 3333 write() callable"},
    {nullptr, nullptr, 0, nullptr}};

PyType_Slot start_response_slots[] = {
    {Py_tp_dealloc, reinterpret_cast<void*>(start_response_dealloc)},
    {Py_tp_call, reinterpret_cast<void*>(start_response_call)},
    {Py_tp_methods, start_response_methods},
    {Py_tp_doc, const_cast<char*>("start_response(status, headers, exc_info=None)")},
    {0, nullptr}};

PyType_Spec start_response_spec = {"updraft.StartResponse", sizeof(StartResponse), 0, Py_TPFLAGS_DEFAULT,
                                   start_response_slots};
}  // namespace

void init_start_response_type() {
  start_response_type = reinterpret_cast<PyTypeObject*>(PyType_FromSpec(&start_response_spec));
}

PyObject* make_start_response(std::shared_ptr<ResponseState> state) {
  StartResponse* self = PyObject_New(StartResponse, start_response_type);
  if (!self) return nullptr;
  self->state = new std::shared_ptr<ResponseState>(std::move(state));
  return reinterpret_cast<PyObject*>(self);
}

bool emit(ResponseState& state, std::string_view data) {
  Exchange& ex = *state.exchange;
  if (!state.head_sent) {
    state.head_sent = true;
    ex.send_head({state.status, state.reason, state.headers});
  }
  if (data.empty()) return !ex.cancelled();
  if (ex.try_send_data(data)) return true;
  GilRelease release;
  return ex.send_data(data);
}

}  // namespace updraft::py
