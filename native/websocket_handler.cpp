// WebSocketHandler: the handshake as Tornado checks it, then the hooks and calls over a WebSocketConnection.
#include "native/websocket_handler.hpp"

#include <spdlog/spdlog.h>

#include <algorithm>
#include <cctype>

#include <boost/json/serialize.hpp>
#include <boost/json/value.hpp>

#include "core/websocket/handshake.hpp"
#include "native/application.hpp"

namespace updraft {

namespace {
std::string lowercase(std::string_view s) {
  std::string out(s);
  for (char& c : out) c = static_cast<char>(std::tolower(static_cast<unsigned char>(c)));
  return out;
}

// "scheme://host[:port]" -> "host[:port]", lowercased (what Tornado compares with Host).
std::string origin_host(std::string_view origin) {
  auto scheme = origin.find("://");
  if (scheme != std::string_view::npos) origin.remove_prefix(scheme + 3);
  return lowercase(origin.substr(0, origin.find('/')));
}
}  // namespace

bool WebSocketHandler::check_origin(std::string_view origin) {
  return origin_host(origin) == lowercase(header("host").value_or(""));
}

void WebSocketHandler::get() {
  websocket::Handshake handshake = websocket::check_handshake(request());
  if (handshake.status) {
    if (handshake.status == 426) set_header("Sec-WebSocket-Version", "13");
    set_status(handshake.status);
    return finish(handshake.error);
  }
  if (auto origin = header("origin"); origin && !check_origin(*origin)) {
    set_status(403);
    return finish("Cross origin websockets not allowed");
  }
  set_header("Upgrade", "websocket");
  set_header("Connection", "Upgrade");
  set_header("Sec-WebSocket-Accept", handshake.accept);
  if (!handshake.protocols.empty()) {
    if (auto chosen = select_subprotocol(handshake.protocols)) {
      if (std::find(handshake.protocols.begin(), handshake.protocols.end(), *chosen) == handshake.protocols.end())
        throw std::logic_error("select_subprotocol() chose a subprotocol the client did not offer");
      subprotocol_ = std::make_unique<std::string>(*chosen);
      set_header("Sec-WebSocket-Protocol", *subprotocol_);
    }
  }
  websocket::ConnectionOptions options = connection_options();
  std::optional<websocket::DeflateParameters> deflate;
  if (auto offers = request().headers.get_joined("sec-websocket-extensions")) {
    if (auto compression = get_compression_options()) {
      if (auto agreed = websocket::negotiate_deflate(*offers, *compression)) {
        set_header("Sec-WebSocket-Extensions", agreed->response);
        options.deflate = *compression;
        deflate = agreed->parameters;
      }
    }
  }
  switch_protocols([this, options, deflate](Stream& stream, std::unique_ptr<RequestHead> head,
                                            std::unique_ptr<RequestDelegate> owner) {
    websocket::ConnectionUser& user = *this;  // a private base: converted here, where it is accessible
    auto connection = std::make_unique<websocket::WebSocketConnection>(stream, user, std::move(head),
                                                                        std::move(owner), options, deflate);
    connection_ = connection.get();
    try {
      open_task_ = open();
    } catch (const std::exception& e) {
      spdlog::error("uncaught exception in open() of {}: {}", request().target, e.what());
      connection_->close(websocket::kCloseInternalError);
      return connection;
    }
    if (!open_task_.done()) connection_->pause_reading();
    open_task_.on_done([this] { opened(); });
    return connection;
  });
}

void WebSocketHandler::opened() {
  try {
    open_task_.rethrow_if_failed();
    connection_->resume_reading();
  } catch (const std::exception& e) {
    spdlog::error("uncaught exception in open() of {}: {}", request().target, e.what());
    connection_->close(websocket::kCloseInternalError);
  }
}

websocket::ConnectionOptions WebSocketHandler::connection_options() { return application().websocket_options(); }

std::optional<websocket::DeflateOptions> WebSocketHandler::get_compression_options() {
  const websocket::DeflateOptions& deflate = application().websocket_options().deflate;
  return deflate.enabled ? std::optional(deflate) : std::nullopt;
}

void WebSocketHandler::subscribe(std::string_view topic) { connection().subscribe(application().topics(), topic); }

void WebSocketHandler::unsubscribe(std::string_view topic) {
  if (connection_) connection_->unsubscribe(topic);
}

websocket::WebSocketConnection& WebSocketHandler::connection() {
  if (!connection_ || connection_->closing()) throw WebSocketClosedError();
  return *connection_;
}

Stream::WriteAwaiter WebSocketHandler::write_message(std::string_view message, bool binary) {
  return connection().send(message, binary);
}

Stream::WriteAwaiter WebSocketHandler::write_message(const boost::json::value& json) {
  return write_message(boost::json::serialize(json));
}

void WebSocketHandler::ping(std::string_view data) { connection().ping(data); }

void WebSocketHandler::close(std::uint16_t code, std::string_view reason) {
  if (connection_) connection_->close(code, reason);
}

void WebSocketHandler::message_received(std::string_view message, bool binary) {
  try {
    on_message(message, binary);
  } catch (const WebSocketClosedError&) {
  } catch (const std::exception& e) {
    spdlog::error("uncaught exception in on_message() of {}: {}", request().target, e.what());
    close(websocket::kCloseInternalError);
  }
}

std::optional<std::uint16_t> WebSocketHandler::close_code() const {
  if (!connection_ || connection_->close_code() == websocket::kCloseAbnormal) return std::nullopt;
  return connection_->close_code();
}

namespace {
const std::string kNone;
}  // namespace

const std::string& WebSocketHandler::close_reason() const {
  return connection_ ? connection_->close_reason() : kNone;
}

const std::string& WebSocketHandler::selected_subprotocol() const { return subprotocol_ ? *subprotocol_ : kNone; }

void WebSocketHandler::connection_closed(std::uint16_t, std::string_view) {
  try {
    on_close();
  } catch (const std::exception& e) {
    spdlog::error("uncaught exception in on_close() of {}: {}", request().target, e.what());
  }
}

}  // namespace updraft
