"""The chat sample (build/bin/chat, Tornado's chat demos) over HTTP and WebSockets, on two loop threads: sockets and
long-polling clients on either loop see each other's messages, one cache keeps the last 200, bodies are escaped and
limited, and a poller that disconnects while it waits is dropped."""
import asyncio
import json
import re
import socket
import time
from concurrent.futures import ThreadPoolExecutor

import pytest
import requests
import websockets

from support import SLACK, http_request

OPENED = re.compile(r"chat: a WebSocket opened on thread (\d+)")
WAITING = re.compile(r"chat: a poller waits on thread (\d+)")
LEFT = "chat: a waiting poller left"


@pytest.fixture
def chat(server_factory):
    """The chat on two loop threads, logging which thread each socket and poller is on."""
    return server_factory("chat", "--threads", "2", "--log-level", "debug")


def run(coro):
    return asyncio.run(asyncio.wait_for(coro, 60 * SLACK))


def post_message(server, body, **fields):
    return requests.post(f"{server.url}/a/message/new", data={"body": body, **fields}, allow_redirects=False,
                         timeout=10)


def post_messages(server, bodies):
    """Posts each body in turn; returns the messages as the server answered them."""
    messages = []
    for body in bodies:
        r = post_message(server, body)
        assert r.status_code == 200, r.text
        messages.append(r.json())
    return messages


def poll(server, cursor=None, timeout=10 * SLACK):
    """POST /a/message/updates; returns the response."""
    data = {} if cursor is None else {"cursor": str(cursor)}
    return requests.post(f"{server.url}/a/message/updates", data=data, timeout=timeout)


def logged_threads(server, pattern, count):
    """Waits until pattern matched count lines of the error log; returns the thread ids the matches name."""
    deadline = time.monotonic() + 10 * SLACK
    while True:
        threads = pattern.findall(server.error_log())
        if len(threads) >= count:
            return threads
        assert time.monotonic() < deadline, f"{count} lines like {pattern.pattern!r} never came:\n{server.error_log()}"
        time.sleep(0.02)


async def sockets_on_both_loops(server, at_least=4):
    """At least at_least sockets, opened until some are on each of the two loop threads (the kernel spreads
    connections over the loops' SO_REUSEPORT sockets by their ports)."""
    sockets = []
    while True:
        sockets.append(await websockets.connect(f"ws://127.0.0.1:{server.port}/chatsocket"))
        threads = await asyncio.to_thread(logged_threads, server, OPENED, len(sockets))
        if len(sockets) >= at_least and len(set(threads)) == 2:
            return sockets
        assert len(sockets) < 64, "every socket landed on one loop"


def pollers_on_both_loops(server, pool, cursor, at_least=4):
    """Long polls (futures of their responses) waiting on each of the two loop threads."""
    futures = []
    while True:
        futures.append(pool.submit(poll, server, cursor))
        threads = logged_threads(server, WAITING, len(futures))
        if len(futures) >= at_least and len(set(threads)) == 2:
            return futures
        assert len(futures) < 64, "every poller landed on one loop"


async def receive(ws):
    return json.loads(await asyncio.wait_for(ws.recv(), 10 * SLACK))


def test_the_pages_show_the_messages_and_a_form_and_load_nothing_from_elsewhere(chat):
    [message] = post_messages(chat, ["first of all"])
    for path, script_uses in (("/", "/chatsocket"), ("/poll", "/a/message/updates")):
        r = requests.get(chat.url + path, timeout=10)
        assert r.status_code == 200 and r.headers["content-type"] == "text/html; charset=UTF-8"
        assert message["html"] in r.text
        assert '<form action="/a/message/new" method="post"' in r.text and 'name="body"' in r.text
        assert script_uses in r.text
        assert not re.search(r"""(src|href)=["']?(https?:)?//""", r.text), "the page loads something from elsewhere"


def test_sockets_on_both_loops_see_each_others_messages(chat):
    """Messages published from two loops may reach a socket in another order than their ids (Topics delivers to the
    publishing loop's sockets at once, to the other loop's through its queue): the page shows them by id."""
    async def session():
        sockets = await sockets_on_both_loops(chat)
        for i, ws in enumerate(sockets):
            await ws.send(json.dumps({"body": f"from socket {i}"}))
        seen = [sorted([await receive(ws) for _ in sockets], key=lambda m: m["id"]) for ws in sockets]
        assert all(got == seen[0] for got in seen), "the sockets saw different messages"
        assert sorted(m["body"] for m in seen[0]) == sorted(f"from socket {i}" for i in range(len(sockets)))
        assert [m["id"] for m in seen[0]] == list(range(1, len(sockets) + 1))
        for ws in sockets:
            await ws.close()
    run(session())


def test_pollers_on_both_loops_are_answered_by_a_websocket_message_and_sockets_get_posted_ones(chat):
    [last] = post_messages(chat, ["before"])
    with ThreadPoolExecutor(64) as pool:
        async def session():
            ws = await websockets.connect(f"ws://127.0.0.1:{chat.port}/chatsocket")
            pollers = await asyncio.to_thread(pollers_on_both_loops, chat, pool, last["id"])
            assert not any(f.done() for f in pollers), "a poller was answered with nothing new"
            await ws.send(json.dumps({"body": "from the socket"}))
            sent = await receive(ws)
            for f in pollers:
                r = await asyncio.wrap_future(f)
                assert r.status_code == 200 and r.json() == {"messages": [sent]}

            posted = post_message(chat, "from a form").json()
            assert await receive(ws) == posted
            assert poll(chat, sent["id"]).json() == {"messages": [posted]}
            await ws.close()
        run(session())


def test_a_poller_is_answered_at_once_when_it_is_behind(chat):
    messages = post_messages(chat, ["one", "two", "three"])
    assert poll(chat).json() == {"messages": messages}, "no cursor: everything cached"
    assert poll(chat, messages[0]["id"]).json() == {"messages": messages[1:]}
    assert poll(chat, 1000).json() == {"messages": messages}, "a cursor this server never gave: everything cached"
    start = time.monotonic()
    with pytest.raises(requests.exceptions.ReadTimeout):
        poll(chat, messages[-1]["id"], timeout=0.5)
    assert time.monotonic() - start >= 0.5
    r = poll(chat, "x")
    assert r.status_code == 400 and r.json() == {"error": "cursor must be a message id"}


def test_the_cache_keeps_the_last_200_messages(chat):
    posted = post_messages(chat, [f"message {i}" for i in range(205)])
    assert [m["id"] for m in posted] == list(range(1, 206))
    assert poll(chat).json() == {"messages": posted[5:]}
    assert poll(chat, 2).json() == {"messages": posted[5:]}, "a forgotten cursor: everything cached"
    assert poll(chat, 200).json() == {"messages": posted[200:]}
    page = requests.get(chat.url + "/poll", timeout=10).text
    assert re.findall(r'<div class="message" id="m(\d+)">', page) == [str(i) for i in range(6, 206)]


def test_bodies_are_escaped_as_html(chat):
    body = """<script>alert("x")</script> & 'quoted' <b>bold</b>"""
    escaped = "&lt;script&gt;alert(&quot;x&quot;)&lt;/script&gt; &amp; &#39;quoted&#39; &lt;b&gt;bold&lt;/b&gt;"

    async def session():
        ws = await websockets.connect(f"ws://127.0.0.1:{chat.port}/chatsocket")
        await ws.send(json.dumps({"body": body}))
        message = await receive(ws)
        assert message == {"id": 1, "body": body, "html": f'<div class="message" id="m1">{escaped}</div>'}
        await ws.close()
    run(session())
    assert post_message(chat, body).json()["html"] == f'<div class="message" id="m2">{escaped}</div>'
    for path in ("/", "/poll"):
        page = requests.get(chat.url + path, timeout=10).text
        assert page.count(escaped) == 2 and "<script>alert" not in page and "<b>bold" not in page


def test_bodies_over_10_kib_blank_or_not_utf8_are_refused_with_a_clear_error(chat):
    assert post_message(chat, "x" * 10240).status_code == 200
    r = post_message(chat, "x" * 10241)
    assert r.status_code == 400 and r.json() == {"error": "message too long: 10241 bytes, the limit is 10240"}
    r = post_message(chat, " \n\t")
    assert r.status_code == 400 and r.json() == {"error": "empty message"}
    r = requests.post(f"{chat.url}/a/message/new", data="body=%FF%FE", timeout=10,
                      headers={"Content-Type": "application/x-www-form-urlencoded"})
    assert r.status_code == 400 and r.json() == {"error": "message is not valid UTF-8"}
    r = requests.post(f"{chat.url}/a/message/new", data={"next": "/"}, timeout=10)
    assert r.status_code == 400 and r.json() == {"error": "empty message"}
    r = requests.post(f"{chat.url}/a/message/new", data={"body": "y" * 50000}, timeout=10)
    assert r.status_code == 413, "a form body far past the limit is not even read"

    async def session():
        ws = await websockets.connect(f"ws://127.0.0.1:{chat.port}/chatsocket")
        for sent, error in ((json.dumps({"body": "z" * 10241}), "message too long: 10241 bytes, the limit is 10240"),
                            ("not json", 'expected {"body": text}'), (json.dumps({"body": 7}), 'expected {"body": text}'),
                            (json.dumps({"body": ""}), "empty message")):
            await ws.send(sent)
            assert await receive(ws) == {"error": error}
        await ws.send(json.dumps({"body": "still open"}))
        assert (await receive(ws))["body"] == "still open"
        await ws.close()
    run(session())
    assert [m["body"] for m in poll(chat).json()["messages"]] == ["x" * 10240, "still open"]


def test_a_new_message_redirects_to_next_as_the_form_does_without_javascript(chat):
    r = post_message(chat, "from a plain form", next="/poll")
    assert r.status_code == 302 and r.headers["location"] == "/poll"
    assert poll(chat).json()["messages"][0]["body"] == "from a plain form"
    for elsewhere in ("https://example.com/", "//example.com/", "/\\example.com", "/poll\r\nX-Injected: 1"):
        r = post_message(chat, "redirected away", next=elsewhere)
        assert r.status_code == 400 and r.json() == {"error": "next must be a path on this site"}
    assert len(poll(chat).json()["messages"]) == 1


def test_a_poller_that_disconnects_while_it_waits_is_dropped(chat):
    [last] = post_messages(chat, ["before"])
    form = [("Content-Type", "application/x-www-form-urlencoded"), ("Content-Length", str(len(f"cursor={last['id']}")))]
    with ThreadPoolExecutor(1) as pool:
        staying = pool.submit(poll, chat, last["id"])
        logged_threads(chat, WAITING, 1)
        for reset in (False, True):
            s = chat.connect()
            if reset:
                s.setsockopt(socket.SOL_SOCKET, socket.SO_LINGER, b"\x01\x00\x00\x00\x00\x00\x00\x00")
            http_request(s, "POST", "/a/message/updates", form, f"cursor={last['id']}".encode())
            logged_threads(chat, WAITING, 2 + reset)
            s.close()
            deadline = time.monotonic() + 10 * SLACK
            while chat.error_log().count(LEFT) < 1 + reset:
                assert time.monotonic() < deadline, f"the poller that left was not dropped:\n{chat.error_log()}"
                time.sleep(0.02)
        assert chat.error_log().count(f"{LEFT} (1 waiting)") == 2
        [message] = post_messages(chat, ["after"])
        assert staying.result(10 * SLACK).json() == {"messages": [message]}
    assert chat.proc.poll() is None
    assert poll(chat, last["id"]).json() == {"messages": [message]}
