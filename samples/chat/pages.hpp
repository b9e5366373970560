// The chat's two pages: the cached messages, a form, and a small inline script that sends and receives over a
// WebSocket or by long polling (nothing loaded from elsewhere: they work offline).
#pragma once

#include <string>
#include <vector>

#include "samples/chat/message.hpp"

namespace chat {

enum class Transport { websocket, long_polling };

std::string render_page(Transport transport, const std::vector<Message>& messages);

}  // namespace chat
