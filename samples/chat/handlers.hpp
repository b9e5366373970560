// The chat's routes: the two pages, the WebSocket at /chatsocket and the long-polling API under /a/message/.
#pragma once

namespace updraft {
class Application;
}

namespace chat {

// GET / (the WebSocket page), GET /poll (the long-polling page), /chatsocket, POST /a/message/new and
// POST /a/message/updates, all on one process-wide ChatRoom.
void add_chat_routes(updraft::Application& app);

}  // namespace chat
