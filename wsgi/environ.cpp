// Environ: CGI and wsgi.* keys, PATH_INFO percent-decoded then latin-1, headers with '_' in their name dropped.
#define PY_SSIZE_T_CLEAN
#include <Python.h>

#include "wsgi/environ.hpp"

#include <charconv>
#include <unordered_map>

#include "core/http/url.hpp"

namespace updraft::py {

namespace {
struct Keys {
  PyObject *request_method, *script_name, *path_info, *query_string, *server_protocol, *remote_addr, *remote_port,
      *content_type, *content_length, *server_name, *server_port, *wsgi_input, *http_host, *url_scheme;
};
Keys keys;
PyObject* http_1_0;  // SERVER_PROTOCOL's two values, made once
PyObject* http_1_1;
std::unordered_map<std::string, PyObject*> header_keys;  // guarded by the GIL
constexpr std::size_t kMaxCachedHeaderKeys = 512;

PyObject* intern(const char* s) { return PyUnicode_InternFromString(s); }

PyObject* latin1(std::string_view s) {
  return PyUnicode_DecodeLatin1(s.data(), static_cast<Py_ssize_t>(s.size()), nullptr);
}

void set(PyObject* dict, PyObject* key, PyObject* value) {
  PyDict_SetItem(dict, key, value);
  Py_DECREF(value);
}

// Host header "name:port" or "[v6]:port" into SERVER_NAME / SERVER_PORT.
void split_host(std::string_view host, std::string_view& name, std::string_view& port) {
  auto colon = host.rfind(':');
  if (colon != std::string_view::npos && host.find(']', colon) == std::string_view::npos) {
    name = host.substr(0, colon);
    port = host.substr(colon + 1);
  } else {
    name = host;
  }
}
}  // namespace

EnvironBuilder::EnvironBuilder(const ServerIdentity& identity) : identity_(identity) {
  if (!keys.request_method) {
    keys = Keys{intern("REQUEST_METHOD"), intern("SCRIPT_NAME"),    intern("PATH_INFO"),    intern("QUERY_STRING"),
                intern("SERVER_PROTOCOL"), intern("REMOTE_ADDR"),   intern("REMOTE_PORT"),  intern("CONTENT_TYPE"),
                intern("CONTENT_LENGTH"),  intern("SERVER_NAME"),   intern("SERVER_PORT"),  intern("wsgi.input"),
                intern("HTTP_HOST"),       intern("wsgi.url_scheme")};
    http_1_0 = intern("HTTP/1.0");
    http_1_1 = intern("HTTP/1.1");
  }
  template_ = PyDict_New();
  PyObject* sys_stderr = PySys_GetObject("stderr");
  set(template_, intern("wsgi.version"), Py_BuildValue("(ii)", 1, 0));
  set(template_, keys.url_scheme, PyUnicode_FromString(identity_.url_scheme.c_str()));
  PyDict_SetItemString(template_, "wsgi.errors", sys_stderr ? sys_stderr : Py_None);
  PyDict_SetItemString(template_, "wsgi.multithread", Py_True);
  PyDict_SetItemString(template_, "wsgi.multiprocess", identity_.multiprocess ? Py_True : Py_False);
  PyDict_SetItemString(template_, "wsgi.run_once", Py_False);
  PyDict_SetItemString(template_, "wsgi.input_terminated", Py_True);
  set(template_, intern("SERVER_SOFTWARE"), PyUnicode_FromString("updraft"));
  set(template_, keys.script_name, latin1(identity_.script_name));
  set(template_, keys.server_name, latin1(identity_.server_name));
  set(template_, keys.server_port, latin1(identity_.server_port));
  set(template_, keys.query_string, PyUnicode_FromString(""));
  file_wrapper_ = make_file_wrapper_class();
  PyDict_SetItemString(template_, "wsgi.file_wrapper", file_wrapper_);
}

PyObject* EnvironBuilder::make_file_wrapper_class() {
  // Iterable per PEP 3333; the server recognises it and sends the file with sendfile(2).
  static const char* source = R"(
class FileWrapper:
    def __init__(self, filelike, blksize=65536):
        self.filelike = filelike
        self.blksize = blksize
        if hasattr(filelike, 'close'):
            self.close = filelike.close
    def __iter__(self):
        return self
    def __next__(self):
        data = self.filelike.read(self.blksize)
        if data:
            return data
        raise StopIteration
)";
  PyObject* globals = PyDict_New();
  PyDict_SetItemString(globals, "__builtins__", PyEval_GetBuiltins());
  PyDict_SetItemString(globals, "__name__", PyUnicode_FromString("updraft"));
  PyObject* ran = PyRun_String(source, Py_file_input, globals, globals);
  Py_XDECREF(ran);
  PyObject* cls = PyDict_GetItemString(globals, "FileWrapper");
  Py_XINCREF(cls);
  Py_DECREF(globals);
  return cls;
}

EnvironBuilder::~EnvironBuilder() { Py_XDECREF(template_); }

PyObject* EnvironBuilder::header_key(std::string_view name) {
  std::string key(name);
  if (auto it = header_keys.find(key); it != header_keys.end()) {
    Py_INCREF(it->second);
    return it->second;
  }
  std::string cgi = "HTTP_";
  for (char c : name) cgi.push_back(c == '-' ? '_' : static_cast<char>(std::toupper(static_cast<unsigned char>(c))));
  PyObject* k = PyUnicode_FromStringAndSize(cgi.data(), static_cast<Py_ssize_t>(cgi.size()));
  if (header_keys.size() < kMaxCachedHeaderKeys) {
    PyUnicode_InternInPlace(&k);
    Py_INCREF(k);
    header_keys.emplace(std::move(key), k);
  }
  return k;
}

PyObject* EnvironBuilder::build(const WsgiRequestInfo& r, PyObject* input) {
  PyObject* env = PyDict_Copy(template_);
  std::string_view target(r.target);
  auto q = target.find('?');
  std::string path = url_unescape(target.substr(0, q), false);
  std::string_view path_info(path);
  std::string_view prefix(identity_.script_name);
  bool mounted = !prefix.empty() && path_info.substr(0, prefix.size()) == prefix &&
                 (path_info.size() == prefix.size() || path_info[prefix.size()] == '/');  // whole segments only
  if (mounted) path_info.remove_prefix(prefix.size());
  if (!mounted && !prefix.empty()) set(env, keys.script_name, PyUnicode_FromString(""));  // outside the mount
  set(env, keys.request_method, latin1(r.method));
  set(env, keys.path_info, latin1(path_info));
  if (q != std::string_view::npos) set(env, keys.query_string, latin1(target.substr(q + 1)));
  PyDict_SetItem(env, keys.server_protocol, r.version_minor ? http_1_1 : http_1_0);
  set(env, keys.remote_addr, latin1(r.remote_ip));
  if (r.remote_port) {
    char port[8];
    auto end = std::to_chars(port, port + sizeof port, r.remote_port).ptr;
    set(env, keys.remote_port, latin1(std::string_view(port, static_cast<std::size_t>(end - port))));
  }
  if (r.protocol != identity_.url_scheme) set(env, keys.url_scheme, latin1(r.protocol));
  PyDict_SetItem(env, keys.wsgi_input, input);

  for (std::size_t i = 0; i < r.headers.size(); ++i) {
    auto f = r.headers[i];
    if (f.name.find('_') != std::string_view::npos) continue;  // never alias HTTP_X_FORWARDED_FOR & co
    PyObject* key;
    if (iequals(f.name, "content-type")) {
      key = keys.content_type;
      Py_INCREF(key);
    } else if (iequals(f.name, "content-length")) {
      if (r.chunked) continue;
      key = keys.content_length;
      Py_INCREF(key);
    } else {
      key = header_key(f.name);
    }
    PyObject* value = latin1(f.value);
    if (PyObject* existing = PyDict_GetItem(env, key)) {  // a repeated field: join with ','
      PyObject* comma = PyUnicode_FromString(",");
      PyObject* joined = PyUnicode_Concat(existing, comma);
      PyObject* both = PyUnicode_Concat(joined, value);
      Py_DECREF(comma);
      Py_DECREF(joined);
      Py_DECREF(value);
      value = both;
    }
    PyDict_SetItem(env, key, value);
    Py_DECREF(key);
    Py_DECREF(value);
  }
  if (auto host = r.headers.get("host")) {
    std::string_view name, port;
    split_host(*host, name, port);
    set(env, keys.server_name, latin1(name));
    // A Host without a port means the scheme's default (as gunicorn and URLs read it), not the port listened on.
    set(env, keys.server_port, latin1(!port.empty() ? port : r.protocol == "https" ? "443" : "80"));
  }
  return env;
}

}  // namespace updraft::py
