"""Tornado's WebSocket echo server on /ws/echo, one process: binary echoes binary, text echoes text; a peer in
bench/ws_vs_peers.sh."""
import asyncio
import sys

import tornado.web
import tornado.websocket


class Echo(tornado.websocket.WebSocketHandler):
    def on_message(self, message):
        self.write_message(message, binary=isinstance(message, bytes))


async def main():
    tornado.web.Application([(r"/ws/echo", Echo)]).listen(int(sys.argv[1]), address="127.0.0.1")
    await asyncio.Event().wait()


asyncio.run(main())
