"""The key-value sample (a second protocol on the stream layer) with real Redis clients: redis-cli, redis-py's
pipelines, expiry and errors, keys spread over two loops, and malformed RESP from a raw socket."""
import os
import socket
import subprocess
import time

import pytest
import redis

from support import SLACK, read_until_closed


@pytest.fixture
def kv(server_factory):
    return server_factory("kv", "--threads", "2")


def cli(server, *args, stdin=None):
    out = subprocess.run(["redis-cli", "-p", str(server.port), *args], input=stdin, capture_output=True, timeout=30,
                         check=True)
    return out.stdout.decode()


def client(server):
    return redis.Redis(port=server.port, socket_timeout=10)


def test_redis_cli_commands(kv):
    assert cli(kv, "PING") == "PONG\n"
    assert cli(kv, "ECHO", "hello there") == "hello there\n"
    assert cli(kv, "SET", "greeting", "hi") == "OK\n"
    assert cli(kv, "GET", "greeting") == "hi\n"
    assert cli(kv, "GET", "missing") == "\n"
    assert cli(kv, "INCR", "counter") == "1\n"
    assert cli(kv, "INCR", "counter") == "2\n"
    assert cli(kv, "MSET", "a", "1", "b", "2", "c", "3", "d", "4") == "OK\n"
    assert cli(kv, "MGET", "a", "b", "missing", "c", "d") == "1\n2\n\n3\n4\n"
    assert cli(kv, "EXISTS", "a", "b", "missing") == "2\n"
    assert cli(kv, "DEL", "a", "b", "missing") == "2\n"
    assert cli(kv, "DBSIZE") == "4\n"  # greeting, counter, c, d
    assert cli(kv, "FLUSHALL") == "OK\n"
    assert cli(kv, "DBSIZE") == "0\n"


def test_redis_cli_reads_commands_from_stdin(kv):
    out = cli(kv, stdin=b"SET k v\nGET k\nINCR n\n")
    assert out == "OK\nv\n1\n"


def test_keys_on_both_loops_are_reached_from_either(kv):
    r = client(kv)
    keys = [f"key:{i}" for i in range(200)]  # hashed over the two loops' shards
    assert r.mset({k: k.upper() for k in keys})
    assert r.mget(keys) == [k.upper().encode() for k in keys]
    for k in keys[:50]:
        assert r.get(k) == k.upper().encode()
    assert r.exists(*keys) == 200
    assert r.delete(*keys[:100]) == 100
    assert r.dbsize() == 100


def test_pipelines_answer_in_order(kv):
    r = client(kv)
    pipe = r.pipeline(transaction=False)
    for i in range(2000):
        pipe.set(f"p:{i}", i)
        pipe.incr(f"n:{i % 7}")
        pipe.get(f"p:{i}")
    results = pipe.execute()
    for i in range(2000):
        assert results[3 * i] is True
        assert results[3 * i + 2] == str(i).encode()
    counts = {}
    for i in range(2000):
        counts[i % 7] = counts.get(i % 7, 0) + 1
        assert results[3 * i + 1] == counts[i % 7]


def test_expiry(kv):
    r = client(kv)
    assert r.set("short", "v", px=300)
    assert r.set("long", "v", ex=100)
    assert r.set("plain", "v")
    assert 0 < r.pttl("short") <= 300
    assert 99 <= r.ttl("long") <= 100
    assert r.ttl("plain") == -1
    assert r.ttl("missing") == -2
    assert r.expire("plain", 1)
    time.sleep(0.5)
    assert r.get("short") is None
    assert r.get("long") == b"v"
    time.sleep(0.7)
    assert r.get("plain") is None


def test_expired_keys_go_without_being_read(kv):
    r = client(kv)
    for i in range(100):
        r.set(f"e:{i}", "v", px=100)
    assert r.dbsize() == 100
    deadline = time.monotonic() + 5 * SLACK
    while r.dbsize() > 0 and time.monotonic() < deadline:  # the loops' ticks remove them
        time.sleep(0.1)
    assert r.dbsize() == 0


def test_errors_are_replies_and_the_connection_goes_on(kv):
    r = client(kv)
    r.set("text", "not a number")
    with pytest.raises(redis.ResponseError, match="not an integer"):
        r.incr("text")
    with pytest.raises(redis.ResponseError, match="unknown command 'NOSUCH'"):
        r.execute_command("NOSUCH", "x")
    with pytest.raises(redis.ResponseError, match="wrong number of arguments for 'get'"):
        r.execute_command("GET")
    with pytest.raises(redis.ResponseError, match="syntax error"):
        r.execute_command("SET", "k", "v", "BOGUS")
    assert r.ping()


def test_large_values_round_trip(kv):
    r = client(kv)
    value = os.urandom(3 << 20)  # far more than the stream's pooled read buffer
    assert r.set("big", value)
    assert r.get("big") == value


def raw(server, data, timeout=5):
    s = socket.create_connection(("127.0.0.1", server.port), timeout=timeout)
    s.sendall(data)
    return s


@pytest.mark.parametrize("frame, error", [
    (b"*1\r\n$x\r\n", b"-ERR Protocol error: invalid bulk length\r\n"),
    (b"*abc\r\n", b"-ERR Protocol error: invalid multibulk length\r\n"),
    (b"*2\r\n+SET\r\n", b"-ERR Protocol error: expected '$', got '+'\r\n"),
    (b"*1\r\n$4\r\nPINGxx", b"-ERR Protocol error: bulk argument not followed by CRLF\r\n"),
])
def test_malformed_frames_get_a_protocol_error_and_the_connection_closes(kv, frame, error):
    s = raw(kv, b"PING\r\n" + frame)
    assert read_until_closed(s) == b"+PONG\r\n" + error
    assert cli(kv, "PING") == "PONG\n"  # the server goes on


def test_a_bulk_length_over_the_limit_is_refused_before_its_bytes(server_factory):
    server = server_factory("kv", "--max-bulk", "1024")
    s = raw(server, b"*3\r\n$3\r\nSET\r\n$1\r\nk\r\n$2000000000\r\n")  # announces 2 GB, sends none of it
    assert read_until_closed(s) == b"-ERR Protocol error: invalid bulk length\r\n"


def test_inline_commands_and_pipelining_from_a_raw_socket(kv):
    s = raw(kv, b"PING\r\nSET a b\r\nGET a\r\nECHO hello\r\nQUIT\r\n")
    assert read_until_closed(s) == b"+PONG\r\n+OK\r\n$1\r\nb\r\n$5\r\nhello\r\n+OK\r\n"


def test_a_command_split_byte_by_byte(kv):
    s = socket.create_connection(("127.0.0.1", kv.port), timeout=5)
    for b in b"*3\r\n$3\r\nSET\r\n$3\r\nkey\r\n$5\r\nvalue\r\n*2\r\n$3\r\nGET\r\n$3\r\nkey\r\n":
        s.send(bytes([b]))
    expected = b"+OK\r\n$5\r\nvalue\r\n"
    got = b""
    while len(got) < len(expected):
        got += s.recv(100)
    assert got == expected


def open_fds(pid):
    return len(os.listdir(f"/proc/{pid}/fd"))


def short_connections(server, count):
    """count connections that each set and get a key; each is closed when the next replaces it (redis-py 4.3's
    close() keeps the socket for reuse until the client object goes), the last on return."""
    for i in range(count):
        c = redis.Redis(port=server.port, socket_timeout=10)
        c.set(f"c:{i}", i)
        assert c.get(f"c:{i}") == str(i).encode()
        c.close()


def test_many_short_connections_leave_nothing_behind(kv):
    r = client(kv)
    short_connections(kv, 20)
    time.sleep(0.6)  # both loops have accepted and ticked: the descriptors they keep are open
    fds = open_fds(kv.proc.pid)
    short_connections(kv, 300)
    for i in range(50):  # and some that leave abruptly, mid-command
        s = raw(kv, b"*3\r\n$3\r\nSET\r\n$1\r\nk\r\n$100\r\nabc")
        s.close()
    deadline = time.monotonic() + 5 * SLACK
    while open_fds(kv.proc.pid) > fds and time.monotonic() < deadline:
        time.sleep(0.05)
    assert open_fds(kv.proc.pid) == fds
    assert r.dbsize() == 300
