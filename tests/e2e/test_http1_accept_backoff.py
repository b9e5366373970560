"""Out of descriptors: accept fails, the loop retries every 100 ms, and once descriptors are free again it accepts
and answers, however long the shortage lasted."""
import os
import resource
import socket
import time

import pytest

from conftest import recv_all, start_server

LIMIT = 64  # descriptors the server may hold: a few dozen connections exhaust them


def wait_for(predicate, timeout):
    deadline = time.monotonic() + timeout
    while not predicate():
        assert time.monotonic() < deadline
        time.sleep(0.05)


# UBSan checks a vptr by writing the memory to a pipe it opens: out of descriptors, it reports every check as failed.
@pytest.mark.skipif(bool(os.environ.get("UPDRAFT_SANITIZED")), reason="sanitizers need descriptors of their own")
def test_accept_resumes_after_the_server_ran_out_of_descriptors():
    soft, hard = resource.getrlimit(resource.RLIMIT_NOFILE)
    resource.setrlimit(resource.RLIMIT_NOFILE, (LIMIT, hard))  # inherited by the server
    try:
        server = start_server("hello", "--threads", "1")
    finally:
        resource.setrlimit(resource.RLIMIT_NOFILE, (soft, hard))
    held = []
    try:
        for _ in range(LIMIT + 16):  # the excess waits in the listen backlog
            held.append(socket.create_connection((server.host, server.port), timeout=5))
        wait_for(lambda: b"accept failed: Too many open files" in server.error_log(), 10)
        time.sleep(1)  # several retries and quarter-second ticks while still out of descriptors
        for s in held:
            s.close()
        held.clear()
        with server.connect() as s:
            s.sendall(b"GET / HTTP/1.1\r\nHost: t\r\nConnection: close\r\n\r\n")
            reply = recv_all(s, timeout=5)
        assert reply.startswith(b"HTTP/1.1 200 OK\r\n") and reply.endswith(b"Hello, World!")
    finally:
        for s in held:
            s.close()
        code, _, err = server.stop()
    assert code == 0, err.decode(errors="replace")
