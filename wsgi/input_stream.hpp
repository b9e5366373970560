// wsgi.input: a C-level file-like object streaming the request body from the exchange, GIL released while waiting.
#pragma once

#include <memory>

#include "wsgi/exchange.hpp"

typedef struct _object PyObject;

namespace updraft::py {

// Registers the type; call once with the GIL held after start-up.
void init_input_type();
// A new reference to a wsgi.input object reading from exchange (GIL held).
PyObject* make_input(std::shared_ptr<Exchange> exchange);

}  // namespace updraft::py
