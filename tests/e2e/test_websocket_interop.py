"""Interoperability with Node's `ws` (Debian's node-ws) on hello's /ws/echo: text and binary messages from empty to
1 MiB (every length encoding) come back intact, a ping gets its pong, and the closing handshake echoes the client's
code."""
import json
import os
import shutil
import subprocess


CLIENT = os.path.join(os.path.dirname(__file__), "node", "ws_echo_client.js")


def node_client(server, *args):
    node = shutil.which("node") or shutil.which("nodejs")
    assert node, "node is not installed (scripts/install-deps.sh installs nodejs and node-ws)"
    done = subprocess.run([node, CLIENT, f"ws://127.0.0.1:{server.port}/ws/echo", *args], capture_output=True,
                          text=True, timeout=60, env={**os.environ, "NODE_PATH": "/usr/share/nodejs"})
    assert done.returncode == 0, done.stdout + done.stderr
    return json.loads(done.stdout.strip().splitlines()[-1])


def test_node_ws_messages_pings_and_close(hello):
    result = node_client(hello)
    assert result["echoed"] == 14 and result["mismatches"] == []
    assert result["pongs"] == 1
    assert result["close"] == [4000, ""]  # the answer echoes the code (RFC 6455 5.5.1), without a reason
    assert result["extensions"] == ""
