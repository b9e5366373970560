// Node's ws (Debian's node-ws) echo server, one process: binary echoes binary, text echoes text; a peer in
// bench/ws_vs_peers.sh.
'use strict';
const { WebSocketServer } = require('/usr/share/nodejs/ws');

const wss = new WebSocketServer({ host: '127.0.0.1', port: Number(process.argv[2]), perMessageDeflate: false });
wss.on('connection', (ws) => {
  ws.on('message', (data, isBinary) => ws.send(data, { binary: isBinary }));
});
