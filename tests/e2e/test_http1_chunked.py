"""Chunked request bodies: de-chunked for the handler, with extensions and trailers, in any split, on keep-alive."""
import time

from support import GET, ResponseReader, is_open

HEAD = b"POST /echo HTTP/1.1\r\nHost: test\r\nTransfer-Encoding: chunked\r\n\r\n"


def chunked(*pieces, trailer=b""):
    return b"".join(b"%x\r\n%s\r\n" % (len(p), p) for p in pieces) + b"0\r\n" + trailer + b"\r\n"


def test_chunked_body_is_dechunked(hello):
    s = hello.connect()
    r = ResponseReader(s)
    s.sendall(HEAD + chunked(b"Hello, ", b"chunked ", b"world"))
    status, headers, body = r.read()
    assert (status, body) == (200, b"Hello, chunked world")
    assert headers["content-length"] == "20"
    s.sendall(GET)
    assert r.read()[::2] == (200, b"Hello, World!")


def test_trailers_are_accepted_and_not_part_of_the_body(hello):
    s = hello.connect()
    r = ResponseReader(s)
    s.sendall(HEAD + chunked(b"data", trailer=b"X-Checksum: 1234\r\nX-Other: y\r\n"))
    assert r.read()[::2] == (200, b"data")
    s.sendall(GET)
    assert r.read()[::2] == (200, b"Hello, World!")


def test_short_chunk_extensions_and_uppercase_sizes(hello):
    s = hello.connect()
    r = ResponseReader(s)
    s.sendall(HEAD + b"A;name=value\r\n0123456789\r\n5;flag\r\nabcde\r\n0\r\n\r\n")
    assert r.read()[::2] == (200, b"0123456789abcde")


def test_coding_name_is_case_insensitive(hello):
    s = hello.connect()
    r = ResponseReader(s)
    s.sendall(b"POST /echo HTTP/1.1\r\nHost: test\r\nTransfer-Encoding: Chunked\r\n\r\n" + chunked(b"ok"))
    assert r.read()[::2] == (200, b"ok")


def test_empty_chunked_body(hello):
    s = hello.connect()
    r = ResponseReader(s)
    s.sendall(HEAD + b"0\r\n\r\n")
    assert r.read()[::2] == (200, b"")
    assert is_open(s)


def test_chunked_body_sent_a_few_bytes_at_a_time(hello):
    s = hello.connect()
    r = ResponseReader(s)
    stream = HEAD + chunked(b"x" * 100, b"y" * 3000, trailer=b"T: v\r\n") + GET
    for i in range(0, len(stream), 7):
        s.sendall(stream[i:i + 7])
        if i % 70 == 0:
            time.sleep(0.001)
    assert r.read()[::2] == (200, b"x" * 100 + b"y" * 3000)
    assert r.read()[::2] == (200, b"Hello, World!")


def test_large_chunked_body(hello):
    s = hello.connect()
    r = ResponseReader(s)
    pieces = [bytes([65 + i % 26]) * 65536 for i in range(32)]
    s.sendall(HEAD + chunked(*pieces))
    status, _, body = r.read()
    assert status == 200
    assert body == b"".join(pieces)
