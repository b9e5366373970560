// A Node `ws` client for the interoperability tests: sends text and binary messages of several sizes to an echo
// WebSocket, checks each echo, pings, closes with 4000, and prints what happened as one JSON line.
'use strict';
const WebSocket = require('ws');  // Debian's node-ws, found through NODE_PATH=/usr/share/nodejs

const [url, deflate] = process.argv.slice(2);
const ws = new WebSocket(url, { perMessageDeflate: deflate === 'deflate' });
const sizes = [0, 1, 125, 126, 65535, 65536, 1 << 20];
const expected = [];
for (const n of sizes) {
  expected.push('é'.repeat(Math.floor(n / 2)));
  expected.push(Buffer.alloc(n, n % 251));
}
const result = { echoed: 0, mismatches: [], pongs: 0, extensions: '', close: null };

ws.on('open', () => {
  result.extensions = ws.extensions;
  for (const m of expected) ws.send(m, { binary: typeof m !== 'string' });
  ws.ping('are you there');
});
ws.on('pong', (data) => { result.pongs += data.toString() === 'are you there' ? 1 : 0; });
ws.on('message', (data, isBinary) => {
  const want = expected[result.echoed];
  const same = typeof want === 'string' ? !isBinary && data.toString() === want : isBinary && want.equals(data);
  if (!same) result.mismatches.push(result.echoed);
  if (++result.echoed === expected.length) ws.close(4000, 'done');
});
ws.on('close', (code, reason) => {
  result.close = [code, reason.toString()];
  console.log(JSON.stringify(result));
});
ws.on('error', (e) => { console.log(JSON.stringify({ error: e.message })); process.exit(1); });
