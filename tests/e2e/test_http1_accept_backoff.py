"""Out of descriptors: accept fails, the loop retries every 100 ms, and once descriptors are free again it accepts
and answers, however long the shortage lasted."""
import resource
import socket
import time

import pytest

from support import SANITIZED, read_until_closed

LIMIT = 64  # descriptors the server may hold: a few dozen connections exhaust them


# UBSan checks a vptr by writing the memory to a pipe it opens: out of descriptors, it reports every check as failed.
@pytest.mark.skipif(SANITIZED, reason="sanitizers need descriptors of their own")
def test_accept_resumes_after_the_server_ran_out_of_descriptors(server_factory):
    soft, hard = resource.getrlimit(resource.RLIMIT_NOFILE)
    resource.setrlimit(resource.RLIMIT_NOFILE, (LIMIT, hard))  # inherited by the server
    try:
        server = server_factory("hello", "--threads", "1")
    finally:
        resource.setrlimit(resource.RLIMIT_NOFILE, (soft, hard))
    held = [socket.create_connection((server.host, server.port), timeout=5) for _ in range(LIMIT + 16)]
    try:  # the connections beyond the limit wait in the listen backlog
        server.wait_error_log("accept failed: Too many open files", timeout=10)
        time.sleep(1)  # several retries and quarter-second ticks while still out of descriptors
    finally:
        for s in held:
            s.close()
    with server.connect() as s:
        s.sendall(b"GET / HTTP/1.1\r\nHost: t\r\nConnection: close\r\n\r\n")
        reply = read_until_closed(s, timeout=5)
    assert reply.startswith(b"HTTP/1.1 200 OK\r\n") and reply.endswith(b"Hello, World!")
