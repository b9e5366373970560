// The chat's pages: one HTML shell and shared script, and per transport the script's send() and its way of receiving.
#include "samples/chat/pages.hpp"

#include <string_view>

namespace chat {

namespace {

constexpr std::string_view kHead = R"(<!DOCTYPE html>
<html lang="en">
<head>
<meta charset="utf-8">
<title>updraft chat</title>
<style>
body { font-family: sans-serif; max-width: 40em; margin: 1em auto; padding: 0 1em; }
#inbox { border: 1px solid #ccc; height: 24em; overflow-y: auto; padding: 0.5em; }
.message { padding: 0.2em 0; white-space: pre-wrap; overflow-wrap: anywhere; }
#messageform { display: flex; gap: 0.5em; margin-top: 0.5em; }
#message { flex: 1; }
#error { color: #b00; min-height: 1.2em; }
</style>
</head>
<body>
<h1>updraft chat</h1>
)";

// The inbox (the messages follow), then the form, which also works without JavaScript (it posts, then comes back).
constexpr std::string_view kInbox = R"(
<div id="inbox">)";
constexpr std::string_view kFormStart = R"(</div>
<form action="/a/message/new" method="post" id="messageform">
<input name="body" id="message" autocomplete="off" autofocus required>
<input type="hidden" name="next" value=")";
constexpr std::string_view kFormEnd = R"(">
<button type="submit">Post</button>
</form>
<p id="error" role="alert"></p>
<script>
"use strict";
const inbox = document.getElementById("inbox");
const input = document.getElementById("message");
const error = document.getElementById("error");
function show(message) {  // in id order: messages from another loop thread may come after newer ones
  if (document.getElementById("m" + message.id)) return;
  const newer = [...inbox.children].find((shown) => Number(shown.id.slice(1)) > message.id);
  if (newer) newer.insertAdjacentHTML("beforebegin", message.html);  // the server escaped the body
  else inbox.insertAdjacentHTML("beforeend", message.html);
  inbox.scrollTop = inbox.scrollHeight;
}
inbox.scrollTop = inbox.scrollHeight;
document.getElementById("messageform").addEventListener("submit", (event) => {
  event.preventDefault();
  const body = input.value;
  input.value = "";
  input.focus();
  error.textContent = "";
  send(body);
});
)";

constexpr std::string_view kWebSocketScript = R"(
const socket = new WebSocket(location.origin.replace(/^http/, "ws") + "/chatsocket");
socket.onopen = () => { document.body.dataset.state = "open"; };
socket.onclose = () => {
  document.body.dataset.state = "closed";
  error.textContent = "Disconnected: reload the page.";
};
socket.onmessage = (event) => {
  const message = JSON.parse(event.data);
  if (message.error) error.textContent = message.error;
  else show(message);
};
function send(body) {
  if (socket.readyState === WebSocket.OPEN) socket.send(JSON.stringify({body}));
  else error.textContent = "Not connected.";
}
)";

constexpr std::string_view kLongPollingScript = R"(
async function post(path, fields) {
  const response = await fetch(path, {method: "POST", body: new URLSearchParams(fields)});
  const answer = await response.json().catch(() => ({error: "HTTP " + response.status}));
  if (!response.ok) throw new Error(answer.error || "HTTP " + response.status);
  return answer;
}
async function send(body) {
  try {
    show(await post("/a/message/new", {body}));
  } catch (e) {
    error.textContent = e.message;
  }
}
async function poll() {
  let cursor = inbox.lastElementChild ? inbox.lastElementChild.id.slice(1) : "";
  let pause = 500;
  for (;;) {
    try {
      const {messages} = await post("/a/message/updates", {cursor});
      messages.forEach(show);
      cursor = String(messages[messages.length - 1].id);
      pause = 500;
    } catch (e) {
      await new Promise((resolve) => setTimeout(resolve, pause));
      pause = Math.min(2 * pause, 60000);
    }
  }
}
poll();
)";

constexpr std::string_view kTail = R"(</script>
</body>
</html>
)";

}  // namespace

std::string render_page(Transport transport, const std::vector<Message>& messages) {
  const bool websocket = transport == Transport::websocket;
  std::string page(kHead);
  page += websocket ? R"(<p>Over a WebSocket. <a href="/poll">Long polling</a></p>)"
                    : R"(<p>By long polling. <a href="/">WebSocket</a></p>)";
  page += kInbox;
  for (const Message& m : messages) page += m.html;
  page += kFormStart;
  page += websocket ? "/" : "/poll";
  page += kFormEnd;
  page += websocket ? kWebSocketScript : kLongPollingScript;
  page += kTail;
  return page;
}

}  // namespace chat
