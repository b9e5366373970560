"""systemd's notifications (sd_notify) and the example units in contrib/systemd: the arbiter alone says READY=1 once
its workers are ready, RELOADING=1 and READY=1 again around a SIGHUP reload, STOPPING=1 on SIGTERM; a lone server says
READY=1 once listening; and the units' ExecStart serves a socket systemd-socket-activate hands it."""
import configparser
import os
import shlex
import signal
import socket
import struct
import subprocess
import time

import requests

from support import APPS_DIR, BIN_DIR, ROOT, SLACK, UPDRAFT, start_server, start_updraft

UNITS = os.path.join(ROOT, "contrib", "systemd")


class NotifySocket:
    """The socket systemd listens on for a service's notifications; each message comes with its sender's pid."""

    def __init__(self, tmp_path):
        self.path = str(tmp_path / "notify.sock")
        self.sock = socket.socket(socket.AF_UNIX, socket.SOCK_DGRAM)
        self.sock.setsockopt(socket.SOL_SOCKET, socket.SO_PASSCRED, 1)
        self.sock.bind(self.path)

    def env(self):
        return {"NOTIFY_SOCKET": self.path}

    def next(self, timeout=15 * SLACK):
        self.sock.settimeout(timeout)
        data, ancillary, _, _ = self.sock.recvmsg(4096, socket.CMSG_SPACE(12))
        pid = next(struct.unpack("3i", d)[0] for level, kind, d in ancillary if kind == socket.SCM_CREDENTIALS)
        return data.decode(), pid

    def nothing_more(self):
        self.sock.setblocking(False)
        try:
            return self.sock.recv(4096) is None
        except BlockingIOError:
            return True


def answers(url, timeout=5):
    return requests.get(url, timeout=timeout).status_code == 200


def test_the_arbiter_alone_tells_systemd_ready_reloading_and_stopping(tmp_path):
    notify = NotifySocket(tmp_path)
    server = start_updraft("cli_app:app", "-w", "2", env=notify.env())
    master = server.proc.pid
    assert notify.next() == ("READY=1", master)
    assert answers(server.url)

    server.proc.send_signal(signal.SIGHUP)
    message, sender = notify.next()
    fields = dict(line.split("=", 1) for line in message.split("\n"))
    assert sender == master and fields.keys() == {"RELOADING", "MONOTONIC_USEC"}
    assert abs(int(fields["MONOTONIC_USEC"]) / 1e6 - time.monotonic()) < 5 * SLACK  # CLOCK_MONOTONIC, as systemd's
    assert notify.next() == ("READY=1", master)
    server.wait_error_log("worker")  # the reload's workers booted
    assert answers(server.url)

    server.proc.send_signal(signal.SIGTERM)
    assert notify.next() == ("STOPPING=1", master)
    assert server.proc.wait(timeout=30 * SLACK) == 0
    assert notify.nothing_more()  # the workers never spoke for the service


def test_a_lone_server_is_ready_once_listening_and_says_when_it_stops(tmp_path):
    notify = NotifySocket(tmp_path)
    for start in (lambda: start_server("hello", env=notify.env()), lambda: start_updraft("cli_app:app", env=notify.env())):
        server = start()
        assert notify.next() == ("READY=1", server.proc.pid)
        assert answers(server.url)
        server.proc.send_signal(signal.SIGTERM)
        assert notify.next() == ("STOPPING=1", server.proc.pid)
        assert server.proc.wait(timeout=30 * SLACK) == 0


def test_the_example_units_serve_a_socket_systemd_hands_over(tmp_path):
    service = configparser.ConfigParser(interpolation=None, strict=False)
    service.read(os.path.join(UNITS, "updraft.service"))
    unit = service["Service"]
    assert (unit["Type"], unit["NotifyAccess"], unit["ExecReload"]) == ("notify", "main", "/bin/kill -HUP $MAINPID")
    sockets = configparser.ConfigParser(interpolation=None)
    sockets.read(os.path.join(UNITS, "updraft.socket"))
    assert sockets["Socket"]["ListenStream"] == "127.0.0.1:8000"

    # The unit's command line, with this build's updraft and a test app, under systemd's socket activation.
    command = shlex.split(unit["ExecStart"])
    assert command[0] == "/usr/local/bin/updraft" and command[-1] == "mysite.wsgi:application"
    command = [UPDRAFT, *command[1:-1], "--pythonpath", APPS_DIR, "cli_app:app"]
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        port = probe.getsockname()[1]
    notify = NotifySocket(tmp_path)
    # systemd-socket-activate hands its child only the variables named with -E: the sanitizers' settings go too.
    passed = ["-E", f"NOTIFY_SOCKET={notify.path}"]
    for name in ("ASAN_OPTIONS", "LSAN_OPTIONS", "UBSAN_OPTIONS", "TSAN_OPTIONS", "PYTHONMALLOC"):
        if name in os.environ:
            passed += ["-E", f"{name}={os.environ[name]}"]
    proc = subprocess.Popen(["systemd-socket-activate", "-l", f"127.0.0.1:{port}", *passed, *command],
                            stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
    try:
        deadline = time.monotonic() + 10 * SLACK
        while True:  # the first connection starts it
            try:
                assert answers(f"http://127.0.0.1:{port}/", timeout=30 * SLACK)  # four workers boot first
                break
            except requests.ConnectionError:
                assert time.monotonic() < deadline
                time.sleep(0.05)
        assert notify.next() == ("READY=1", proc.pid)  # systemd-socket-activate execs updraft in its own process
        proc.send_signal(signal.SIGHUP)
        assert notify.next()[0].startswith("RELOADING=1")
        assert notify.next()[0] == "READY=1"
        assert answers(f"http://127.0.0.1:{port}/")
    finally:
        proc.send_signal(signal.SIGTERM)
        assert proc.wait(timeout=40 * SLACK) == 0
    assert notify.next() == ("STOPPING=1", proc.pid)
