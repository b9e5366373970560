// start_response and write(): the C-level callables PEP 3333 hands the app, with header validation and exc_info rules.
#pragma once

#include <memory>
#include <string_view>

#include "core/http/headers.hpp"
#include "wsgi/exchange.hpp"

typedef struct _object PyObject;

namespace updraft::py {

// What the app has said about its response so far (worker thread, GIL held).
struct ResponseState {
  explicit ResponseState(std::shared_ptr<Exchange> ex) : exchange(std::move(ex)) {}
  std::shared_ptr<Exchange> exchange;
  bool started = false;    // start_response was called
  bool head_sent = false;  // status and headers went to the loop
  bool wrote = false;      // the app used write()
  int status = 0;
  std::string reason;
  HeaderList headers;
};

void init_start_response_type();
// A new reference to a start_response callable bound to state.
PyObject* make_start_response(std::shared_ptr<ResponseState> state);
// Sends the held head (once) and data; releases the GIL only if the channel is full.
// Returns false when the client is gone.
bool emit(ResponseState& state, std::string_view data);

}  // namespace updraft::py
