"""Tornado's three ways to start a server, on the native sample: forked processes (bind + start, a dead child replaced),
a socket bound by someone else (add_sockets through LISTEN_FDS), and systemd's socket activation."""
import os
import signal
import socket
import subprocess
import time

import requests

from support import BIN_DIR, SLACK, children, wait_children

HELLO = os.path.join(BIN_DIR, "hello")


def hello_answers(url):
    return requests.get(url + "/", timeout=5).text == "Hello, World!"


def test_two_processes_serve_and_a_killed_one_is_replaced(server_factory):
    server = server_factory("hello", "--processes", "2")
    kids = wait_children(server.proc.pid, 2)
    assert all(hello_answers(server.url) for _ in range(20))
    os.kill(kids[0], signal.SIGKILL)
    deadline = time.monotonic() + 10 * SLACK
    while time.monotonic() < deadline and kids[0] in children(server.proc.pid):
        time.sleep(0.05)
    replaced = wait_children(server.proc.pid, 2)
    assert kids[0] not in replaced and kids[1] in replaced
    assert all(hello_answers(server.url) for _ in range(20))
    assert "was killed by signal 9" in server.error_log()
    server.proc.send_signal(signal.SIGTERM)  # the parent stops both children gracefully
    assert server.proc.wait(timeout=30) == 0


def test_processes_zero_means_one_per_core(server_factory):
    server = server_factory("hello", "--processes", "0")
    assert len(wait_children(server.proc.pid, len(os.sched_getaffinity(0)))) == len(os.sched_getaffinity(0))
    assert hello_answers(server.url)


def test_a_socket_bound_elsewhere_is_served(tmp_path):
    """LISTEN_FDS/LISTEN_PID as systemd sets them: the socket is fd 3, made and bound by the parent."""
    listener = socket.socket()
    listener.bind(("127.0.0.1", 0))
    listener.listen(64)
    port = listener.getsockname()[1]

    def as_fd_3():
        os.dup2(listener.fileno(), 3)
        os.environ["LISTEN_FDS"] = "1"
        os.environ["LISTEN_PID"] = str(os.getpid())

    proc = subprocess.Popen([HELLO, "--port", "1"], stdout=subprocess.PIPE, stderr=subprocess.PIPE,
                            preexec_fn=as_fd_3, pass_fds=(3,))
    try:
        line = proc.stdout.readline()
        assert line == f"hello listening on http://127.0.0.1:{port}/\n".encode()  # not port 1: the flag is unused
        listener.close()  # ours; the server keeps its own copy
        assert hello_answers(f"http://127.0.0.1:{port}")
    finally:
        proc.send_signal(signal.SIGTERM)
        assert proc.wait(timeout=30) == 0


def test_systemd_socket_activate_starts_it_on_the_first_connection():
    with socket.socket() as probe:  # a free port for systemd-socket-activate to listen on
        probe.bind(("127.0.0.1", 0))
        port = probe.getsockname()[1]
    proc = subprocess.Popen(["systemd-socket-activate", "-l", f"127.0.0.1:{port}", HELLO, "--threads", "2"],
                            stdout=subprocess.PIPE, stderr=subprocess.PIPE)
    try:
        deadline = time.monotonic() + 10 * SLACK
        while True:  # until systemd-socket-activate listens
            try:
                answered = hello_answers(f"http://127.0.0.1:{port}")
                break
            except requests.ConnectionError:
                assert time.monotonic() < deadline
                time.sleep(0.05)
        assert answered
        assert proc.stdout.readline() == f"hello listening on http://127.0.0.1:{port}/\n".encode()
        assert all(hello_answers(f"http://127.0.0.1:{port}") for _ in range(10))
    finally:
        proc.send_signal(signal.SIGTERM)
        assert proc.wait(timeout=30) == 0
