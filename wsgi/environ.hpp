// Environ: builds the PEP 3333 environ dict for a request from a per-process template with interned keys.
#pragma once

#include <string>

#include "wsgi/exchange.hpp"

typedef struct _object PyObject;

namespace updraft::py {

struct ServerIdentity {
  std::string server_name = "localhost";
  std::string server_port = "80";
  std::string script_name;  // SCRIPT_NAME prefix mounted at; stripped from PATH_INFO
  std::string url_scheme = "http";
  bool multiprocess = false;
};

class EnvironBuilder {
 public:
  // GIL held.
  explicit EnvironBuilder(const ServerIdentity& identity);
  ~EnvironBuilder();  // GIL held
  EnvironBuilder(const EnvironBuilder&) = delete;
  EnvironBuilder& operator=(const EnvironBuilder&) = delete;
  // A new environ dict (new reference) with input as wsgi.input; GIL held.
  PyObject* build(const WsgiRequestInfo& request, PyObject* input);
  // The wsgi.file_wrapper class (borrowed reference).
  PyObject* file_wrapper() const { return file_wrapper_; }

 private:
  PyObject* header_key(std::string_view name);
  static PyObject* make_file_wrapper_class();

  ServerIdentity identity_;
  PyObject* template_ = nullptr;
  PyObject* file_wrapper_ = nullptr;
};

}  // namespace updraft::py
