"""Expect: 100-continue gets an interim 100 before the body is sent; other expectations get 417."""
import socket

from support import GET, ResponseReader, read_until_closed, split_responses


def head(*fields, version=b"1.1"):
    return b"POST /echo HTTP/" + version + b"\r\nHost: test\r\n" + b"".join(f + b"\r\n" for f in fields) + b"\r\n"


def test_100_continue_before_the_body(hello):
    s = hello.connect()
    r = ResponseReader(s)
    s.sendall(head(b"Content-Length: 5", b"Expect: 100-continue"))
    status, headers, body = r.read()
    assert status == 100
    assert body == b""
    s.sendall(b"hello")
    assert r.read()[::2] == (200, b"hello")
    s.sendall(GET)
    assert r.read()[::2] == (200, b"Hello, World!")


def test_100_continue_with_a_chunked_body(hello):
    s = hello.connect()
    r = ResponseReader(s)
    s.sendall(head(b"Transfer-Encoding: chunked", b"Expect: 100-Continue"))
    assert r.read()[0] == 100
    s.sendall(b"3\r\nabc\r\n0\r\n\r\n")
    assert r.read()[::2] == (200, b"abc")


def test_no_100_continue_without_a_body(hello):
    s = hello.connect()
    r = ResponseReader(s)
    s.sendall(head(b"Content-Length: 0", b"Expect: 100-continue"))
    assert r.read()[::2] == (200, b"")


def test_no_100_continue_for_http10(hello):
    s = hello.connect()
    s.sendall(head(b"Content-Length: 5", b"Expect: 100-continue", version=b"1.0"))
    s.settimeout(0.5)
    try:
        early = s.recv(65536)
    except socket.timeout:
        early = b""
    assert early == b""
    s.sendall(b"hello")
    data = read_until_closed(s)
    assert split_responses(data)[0][::2] == (200, b"hello")


def test_unknown_expectation_is_417_and_closes(hello):
    s = hello.connect()
    s.sendall(head(b"Content-Length: 5", b"Expect: something-else") + b"hello" + GET)
    responses = split_responses(read_until_closed(s))
    assert [r[0] for r in responses] == [417]
    assert responses[0][1]["connection"] == "close"


def test_body_too_large_gets_413_instead_of_100(server_factory):
    server = server_factory("hello", "--max-body-size", "10")
    s = server.connect()
    s.sendall(head(b"Content-Length: 11", b"Expect: 100-continue"))
    responses = split_responses(read_until_closed(s))
    assert [r[0] for r in responses] == [413]
